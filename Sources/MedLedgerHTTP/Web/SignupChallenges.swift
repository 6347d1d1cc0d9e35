import Crypto
import MedLedgerCore

/// The single-use challenges a sign-up's proof of possession signs (``SignupProof``).
///
/// Kept in memory only: a challenge lives ``lifetime`` and a restart merely asks the browser for
/// a new one. The table is bounded twice, so anonymous clients cannot grow it: each client address
/// holds at most ``perClient`` outstanding challenges (its oldest goes first) and the whole table
/// at most ``capacity`` (expired ones are dropped first, then the oldest). Challenges are looked up
/// by their SHA-256, never compared as text, so the time a lookup takes says nothing about the
/// value of a challenge someone else holds.
actor SignupChallenges {
    /// How long a challenge may be used after it was issued.
    static let lifetime: Int64 = 5 * 60_000
    /// Outstanding challenges one client address may hold.
    static let perClient = 64
    /// Outstanding challenges in all.
    static let capacity = 10_000

    /// A challenge handed out and when it stops being accepted.
    struct Issued: Sendable, Equatable {
        var challenge: String
        var expires: Int64
    }

    private struct Entry {
        var client: String
        var expires: Int64
        var serial: UInt64
    }

    private var entries: [SHA256Digest: Entry] = [:]
    private var byClient: [String: [SHA256Digest]] = [:]
    private var serial: UInt64 = 0

    /// A fresh random challenge (32 bytes, base64url) for `client`, valid until `now + lifetime`.
    func issue(client: String, now: Int64) -> Issued {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let challenge = Base64Coding.url(bytes)
        let digest = SHA256.hash(data: bytes)
        serial &+= 1
        let expires = now + Self.lifetime
        var mine = byClient[client, default: []].filter { entries[$0] != nil }
        while mine.count >= Self.perClient {
            entries[mine.removeFirst()] = nil
        }
        if entries.count >= Self.capacity { evict(now: now) }
        entries[digest] = Entry(client: client, expires: expires, serial: serial)
        mine.append(digest)
        byClient[client] = mine
        return Issued(challenge: challenge, expires: expires)
    }

    /// Takes `challenge` out of the table: true when it was issued, is not used yet and has not
    /// expired at `now`. Used or not, a challenge that was presented can never be presented again.
    func redeem(_ challenge: String, now: Int64) -> Bool {
        guard let bytes = Base64Coding.decodeURL(challenge), bytes.count == 32 else { return false }
        let digest = SHA256.hash(data: bytes)
        guard let entry = entries.removeValue(forKey: digest) else { return false }
        if var mine = byClient[entry.client] {
            mine.removeAll { $0 == digest }
            byClient[entry.client] = mine.isEmpty ? nil : mine
        }
        return now < entry.expires
    }

    /// Outstanding challenges (tests).
    var count: Int { entries.count }

    /// Makes room: drops every expired challenge, then, if still full, the oldest tenth.
    private func evict(now: Int64) {
        entries = entries.filter { $0.value.expires > now }
        if entries.count >= Self.capacity {
            let oldest = entries.sorted { $0.value.serial < $1.value.serial }.prefix(max(1, Self.capacity / 10)).map(\.key)
            for key in oldest { entries[key] = nil }
        }
        byClient = byClient.compactMapValues { digests in
            let kept = digests.filter { entries[$0] != nil }
            return kept.isEmpty ? nil : kept
        }
    }
}
