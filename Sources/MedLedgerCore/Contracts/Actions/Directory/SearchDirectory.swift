import Foundation

/// `directory.search`: any active account finds verified professionals by name, so a patient can
/// pick whom to grant without learning a 42-character id elsewhere.
///
/// Only active accounts of roles a patient may grant (doctors, auditors, hospital management,
/// pharmacies) are listed — a doctor waiting for verification, or a suspended account, is not —
/// with their public register facts. Patients and administrators are never listed. The text
/// matches, case-insensitively, anywhere in the display name or in the name of the account's
/// organization (grants go to accounts, so finding a hospital lists its staff). The text and the
/// answer are bounded.
public struct SearchDirectory: ContractAction, Equatable {
    public static let transactionType = "directory.search"
    public static let eventStatus = EventStatus.queried
    public static let summary = "search the directory"

    /// The fewest and most characters the text may have.
    public static let textLength = 2...64
    /// The most entries one answer lists.
    public static let resultLimit = 20

    public var text: String
    /// Only accounts of this role, when given.
    public var role: Role?

    public init(text: String, role: Role? = nil) {
        self.text = text
        self.role = role
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard Self.textLength.contains(trimmed.count), text.count <= Self.textLength.upperBound,
            !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw BodyValidationError("text must be \(Self.textLength.lowerBound) to \(Self.textLength.upperBound) characters without control characters")
        }
        if let role, !role.canBeGranted { throw BodyValidationError("role must be doctor, auditor, hospital_management or pharmacy") }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "for professionals"
        _ = try state.activeAccount(context.actor)
        let needle = text.trimmingCharacters(in: .whitespaces).lowercased()
        var found: [DirectoryEntry] = []
        for account in state.accounts.values where account.status == .active && account.role.canBeGranted && (role == nil || account.role == role) {
            guard let name = account.displayName else { continue }
            let organization = account.organization.flatMap { state.organizations[$0] }
            guard name.lowercased().contains(needle) || organization?.name.lowercased().contains(needle) == true else { continue }
            found.append(DirectoryEntry(
                address: account.address, role: account.role, displayName: name, speciality: account.speciality,
                organization: account.organization, organizationName: organization?.name
            ))
        }
        found.sort { ($0.displayName.lowercased(), $0.address.rawValue) < ($1.displayName.lowercased(), $1.address.rawValue) }
        return .directory(Array(found.prefix(Self.resultLimit)))
    }
}
