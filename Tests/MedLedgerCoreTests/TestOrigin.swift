import Crypto
import MedLedgerCore

/// The origin the Core suites sign for and verify against, unless a test names another.
let testOrigin = "test.medledger.localhost/log"

extension EnvelopeSigner {
    /// A signer for the Core suites' ledger.
    init(key: P256.Signing.PrivateKey) {
        self.init(key: key, origin: testOrigin)
    }
}

extension EnvelopeVerifier {
    /// A verifier for the Core suites' ledger.
    init(registry: TransactionTypeRegistry, limits: Limits = Limits()) {
        self.init(registry: registry, origin: testOrigin, limits: limits)
    }
}
