import Crypto
import MedLedgerCore

/// The single-use challenges a sign-up's proof of possession signs (``SignupProof``), in this
/// process's memory (one node; ``SignupChallengeStore`` has the shared kind).
///
/// A challenge lives ``lifetime`` and a restart merely asks the browser for a new one. The table is bounded twice, so anonymous clients cannot grow it: each client address
/// holds at most ``perClient`` outstanding challenges (its oldest goes first) and the whole table
/// at most ``capacity`` (expired ones are dropped first, then the oldest). Challenges are looked up
/// by their SHA-256, never compared as text, so the time a lookup takes says nothing about the
/// value of a challenge someone else holds.
actor SignupChallenges: SignupChallengeStore {
    /// How long a challenge may be used after it was issued.
    static let lifetime = SignupChallengeRules.lifetime
    /// Outstanding challenges one client address may hold.
    static let perClient = SignupChallengeRules.perClient
    /// Outstanding challenges in all.
    static let capacity = SignupChallengeRules.capacity

    /// A challenge handed out and when it stops being accepted.
    typealias Issued = SignupChallengeRules.Issued

    private struct Entry {
        var client: String
        var expires: Int64
        var serial: UInt64
    }

    private var entries: [[UInt8]: Entry] = [:]
    private var byClient: [String: [[UInt8]]] = [:]
    private var serial: UInt64 = 0

    /// A fresh random challenge (32 bytes, base64url) for `client`, valid until `now + lifetime`.
    func issue(client: String, now: Int64) -> Issued {
        let (challenge, digestBytes) = SignupChallengeRules.make()
        let digest = digestBytes
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
        guard let digest = SignupChallengeRules.digest(of: challenge) else { return false }
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
