import Crypto
import CryptoExtras

/// The server's slow hash of a browser's authentication key (scrypt, N = 2^15, r = 8, p = 1), so
/// a copy of the credential table does not let anyone sign in, and comparisons take constant time.
/// One hash takes tens of milliseconds of a core, so request handlers run it on ``KDFWorkers``
/// (through ``SignInLimits``), never on the shared concurrency pool.
public struct AuthKeyHasher: Sendable {
    var rounds = 1 << 15

    public init(rounds: Int = 1 << 15) {
        self.rounds = rounds
    }

    func hash(_ authKey: [UInt8], salt: [UInt8]) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: authKey, salt: salt, outputByteCount: 32, rounds: rounds, blockSize: 8, parallelism: 1
        )
        return key.withUnsafeBytes { Array($0) }
    }

    func verify(_ authKey: [UInt8], salt: [UInt8], hash expected: [UInt8]) throws -> Bool {
        let actual = try hash(authKey, salt: salt)
        return Self.constantTimeEqual(actual, expected)
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    static func randomSalt() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
