import Crypto
import MedLedgerCore

extension EnvelopeSigner {
    /// A signer for ``TestLedger``'s origin, the ledger every suite built on this support uses.
    public init(key: P256.Signing.PrivateKey) {
        self.init(key: key, origin: TestLedger.origin)
    }
}
