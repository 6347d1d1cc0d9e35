/// The one place a contract's refusal becomes a sentence for people.
///
/// The ledger's event message is exact but terse — `Denied: List records of patient ml… — the
/// patient has not granted this account access` — and quotes addresses nobody reads. Pages show the
/// plain sentence; lists of events keep the ledger's message (and its entry) one click away.
enum DenialText {
    /// Who reads the sentence: the account that was refused (a page it opened), or someone
    /// looking at the refusal afterwards (a trail, the accounting of disclosures).
    enum Reader: Sendable {
        case refused
        case onlooker
    }

    /// The reason part of a ledger denial message (after the last em dash), or the message itself.
    static func reason(of message: String) -> String {
        guard message.hasPrefix("Denied"), let dash = message.range(of: " — ", options: .backwards) else {
            return message
        }
        return String(message[dash.upperBound...]).trimmingCharacters(in: .whitespaces)
    }

    /// The plain sentence for a refusal, from the ledger's message or a bare reason.
    static func plain(_ message: String, for reader: Reader = .refused) -> String {
        let reason = reason(of: message)
        if let sentence = known[reason] {
            return reader == .refused ? (sentence.personal ?? sentence.neutral) : sentence.neutral
        }
        if reason.hasPrefix("the patient's records were erased") {
            return "The patient's records were erased at their request; they no longer exist."
        }
        if reason.hasPrefix("a "), reason.hasSuffix(" account cannot do this") {
            return reader == .refused ? "Your account's role does not allow this." : "The account's role does not allow this."
        }
        if reason.hasPrefix("the record changed since version") {
            return "The record was changed in the meantime (" + reason + ")."
        }
        guard !reason.isEmpty else { return "Refused." }
        return "Refused: " + reason + "."
    }

    private struct Sentence {
        /// For anyone.
        var neutral: String
        /// For the account that was refused, when it reads better addressed to them.
        var personal: String?
    }

    /// Reasons the contracts give, in words.
    private static let known: [String: Sentence] = [
        "no active grant covers this record": Sentence(
            neutral: "No grant from the patient covers this record.",
            personal: "You no longer have access to this record: no grant from the patient covers it."),
        "the patient has not granted access": Sentence(
            neutral: "The patient has not granted access, or the grant ended.",
            personal: "You have no access to this patient's details: the patient has not granted it, or the grant ended."),
        "the patient has not granted this account access": Sentence(
            neutral: "The patient has not granted this account access, or the grant ended.",
            personal: "You have no access to this patient's records: the patient has not granted it, or the grant ended."),
        "the patient has not granted this auditor access": Sentence(
            neutral: "The patient has not granted this auditor access.",
            personal: "You have no access to this patient's records: the patient has not granted you an audit."),
        "only the patient and accounts they granted may list these records": Sentence(
            neutral: "Only the patient and the accounts they granted may list these records.",
            personal: "You have no access to this patient's records: only the patient and the accounts they granted may see them."),
        "only the patient and accounts they granted may read this record": Sentence(
            neutral: "Only the patient and the accounts they granted may read this record.",
            personal: "You have no access to this record: only the patient and the accounts they granted may read it."),
        "only the patient and auditors they granted may read this trail": Sentence(
            neutral: "Only the patient and the auditors they granted may read this trail.",
            personal: "You have no access to this trail: only the patient and the auditors they granted may read it."),
        "the record was deleted": Sentence(neutral: "The record was deleted; only the patient and their auditors can still read it."),
        "no such record": Sentence(neutral: "There is no such record."),
        "no such version": Sentence(neutral: "The record has no such version."),
        "no such patient": Sentence(neutral: "There is no such patient."),
        "no such account": Sentence(neutral: "There is no such account."),
        "the session expired": Sentence(neutral: "The sign-in had expired.", personal: "Your sign-in expired. Sign in again."),
        "the session was closed": Sentence(neutral: "The sign-in was closed.", personal: "You were signed out. Sign in again."),
        "the account is suspended": Sentence(neutral: "The account is suspended.", personal: "Your account is suspended."),
        "the account is waiting for an administrator's verification": Sentence(
            neutral: "The account was waiting for an administrator's verification.",
            personal: "Your account is waiting for an administrator's verification."),
        "an auditor may open a record only after the node recorded a failed tally check for them": Sentence(
            neutral: "An auditor opens a record only after their own tally check of it failed.",
            personal: "An auditor opens a record only after their own tally check of it failed. Run the tally check first."),
        "the failed tally check no longer opens the record; run it again": Sentence(
            neutral: "The auditor's failed tally check no longer opened the record.",
            personal: "Your failed tally check no longer opens this record. Run the tally check again."),
        "the doctor has no accepted appointment, grant or break-glass access for this patient": Sentence(
            neutral: "The doctor had no accepted appointment, grant or break-glass access for this patient.",
            personal: "You have no accepted appointment, grant or break-glass access for this patient."),
    ]
}
