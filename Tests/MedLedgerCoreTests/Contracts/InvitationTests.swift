import Crypto
import Testing

@testable import MedLedgerCore

/// One-time sign-up invitations: who may make them, what the ledger keeps, and every way of using
/// one that must fail — a proof by the wrong key, for another new key or another invitation, in
/// high-S form, replayed from a refused acceptance; reuse, expiry, revocation, a role swap, an
/// organization's administrator reaching into another organization, a patient inviting.
@Suite("invitations")
struct InvitationTests {
    /// The invitation key the administrator's browser made (its private half is in the link).
    static let invitationKey = try! P256.Signing.PrivateKey(rawRepresentation: Array(repeating: 9, count: 32))
    static var invitationPublicKey: String { invitationKey.publicKey.payloadKey }
    /// The private scalar as the link's fragment spells it.
    static var linkFragment: String { Base64Coding.url(Array(invitationKey.rawRepresentation)) }
    /// The origin of ``ContractWorld/genesis()``.
    static let origin = "contracts.test/log"

    static func invite(
        _ id: String, role: Role, organization: String? = nil, seconds: Int64 = 86_400, licence: String? = nil
    ) -> CreateInvitation {
        CreateInvitation(
            id: id, publicKey: invitationPublicKey, role: role, organization: organization, seconds: seconds, label: "ward 3", licence: licence)
    }

    /// The proof `persona`'s new key gives for accepting invitation `id` as `role`, signed with `key`.
    static func proof(
        _ id: String, role: Role, for persona: Persona, in world: ContractWorld, key: P256.Signing.PrivateKey = invitationKey,
        origin: String = origin
    ) throws -> String {
        try InvitationProof.sign(origin: origin, invitation: id, invitee: world.publicKey(persona), role: role, with: key)
    }

    static func doctorAcceptance(
        _ id: String, licence: String = "GMC-123", by persona: Persona = .newcomer, world: ContractWorld
    ) throws -> AcceptInvitation {
        AcceptInvitation(
            invitation: id, proof: try proof(id, role: .doctor, for: persona, in: world), role: .doctor, displayName: "Dr Invited",
            speciality: "Cardiology", licence: licence, certificate: cid("invited certificate \(id) \(licence)"))
    }

    @Test("the ledger keeps the invitation's public key, never its private key, and the invitee's patient account is active at once")
    func patientInvitationRegistersOnce() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(Self.invite("inv-p", role: .patient), by: .hospitalAdmin)
        let stored = try #require(world.state.invitations["inv-p"])
        #expect(stored.publicKey == Self.invitationPublicKey)
        #expect(stored.organization == nil)
        #expect(stored.expires == world.time + 86_400_000)
        let entryText = String(decoding: try #require(world.entries.last).transaction.entry, as: UTF8.self)
        #expect(!entryText.contains(Self.linkFragment))

        try world.require(AcceptInvitation(invitation: "inv-p", proof: try Self.proof("inv-p", role: .patient, for: .newcomer, in: world), role: .patient, profile: cid("invited profile")), by: .newcomer)
        let account = try #require(world.account(.newcomer))
        #expect(account.role == .patient && account.status == .active && account.organization == nil)
        #expect(world.state.invitations["inv-p"]?.status == .used)
        #expect(world.state.invitations["inv-p"]?.usedBy == world.address(.newcomer))
    }

    @Test("a second use is refused and audited, whoever tries")
    func reuseIsRefused() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(Self.invite("inv-p", role: .patient), by: .systemAdmin)
        try world.require(AcceptInvitation(invitation: "inv-p", proof: try Self.proof("inv-p", role: .patient, for: .newcomer, in: world), role: .patient), by: .newcomer)
        let before = world.state
        let again = try world.submit(AcceptInvitation(invitation: "inv-p", proof: try Self.proof("inv-p", role: .patient, for: .newStaff, in: world), role: .patient), by: .newStaff)
        #expect(!again.allowed)
        #expect(again.event.outcome == .denied)
        #expect(again.event.action == AcceptInvitation.transactionType)
        #expect(again.event.message.contains("already used"))
        #expect(world.state == before)
        #expect(world.account(.newStaff) == nil)
    }

    @Test("a proof by another key, for another new key, for another invitation, ledger or role, or in high-S form is refused and audited")
    func badProofsAreRefused() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(Self.invite("inv-p", role: .patient), by: .systemAdmin)
        try world.require(Self.invite("inv-q", role: .patient), by: .systemAdmin)
        let before = world.state
        let guessed = try P256.Signing.PrivateKey(rawRepresentation: Array(repeating: 8, count: 32))
        let proofs: [(String, String)] = [
            ("wrong key", try Self.proof("inv-p", role: .patient, for: .newcomer, in: world, key: guessed)),
            ("another new key", try Self.proof("inv-p", role: .patient, for: .newStaff, in: world)),
            ("another invitation", try Self.proof("inv-q", role: .patient, for: .newcomer, in: world)),
            ("another ledger", try Self.proof("inv-p", role: .patient, for: .newcomer, in: world, origin: "other.test/log")),
            ("another role", try Self.proof("inv-p", role: .doctor, for: .newcomer, in: world)),
            ("high S", Self.highS(try Self.proof("inv-p", role: .patient, for: .newcomer, in: world))),
        ]
        for (name, proof) in proofs {
            let outcome = try world.submit(AcceptInvitation(invitation: "inv-p", proof: proof, role: .patient), by: .newcomer)
            #expect(!outcome.allowed, "\(name)")
            #expect(outcome.event.outcome == .denied, "\(name)")
            #expect(outcome.event.action == AcceptInvitation.transactionType, "\(name)")
            #expect(outcome.event.actor == world.address(.newcomer), "\(name)")
            #expect(outcome.event.message.contains(name == "high S" ? "low-S" : "proof does not match"), "\(outcome.event.message)")
        }
        #expect(world.state == before)
        #expect(world.account(.newcomer) == nil)
        #expect(world.state.invitations["inv-p"]?.status == .open)
        // The same proof, in its low-S form, works.
        try world.require(AcceptInvitation(invitation: "inv-p", proof: try Self.proof("inv-p", role: .patient, for: .newcomer, in: world), role: .patient), by: .newcomer)
    }

    @Test("the proof of a refused acceptance, read from the ledger, is useless to any other key")
    func refusedProofCannotBeReplayed() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(Self.invite("inv-d", role: .doctor, licence: "GMC-123"), by: .hospitalAdmin)
        // The invitee mistypes the licence: refused, and the proof is now public.
        let refused = try Self.doctorAcceptance("inv-d", licence: "GMC-999", world: world)
        let outcome = try world.submit(refused, by: .newcomer)
        #expect(!outcome.allowed)
        #expect(outcome.event.message.contains("licence number is not the one"))
        let entry = try #require(world.entries.last)
        #expect(!String(decoding: entry.transaction.entry, as: UTF8.self).contains(Self.linkFragment))
        // Someone reading the ledger replays the proof with their own key and the right licence.
        var stolen = try Self.doctorAcceptance("inv-d", world: world)
        stolen.proof = refused.proof
        let replay = try world.submit(stolen, by: .newStaff)
        #expect(!replay.allowed)
        #expect(replay.event.outcome == .denied)
        #expect(replay.event.message.contains("proof does not match"))
        #expect(world.account(.newStaff) == nil)
        #expect(world.state.invitations["inv-d"]?.status == .open)
        // The invitee, with the whole link, still can.
        try world.require(try Self.doctorAcceptance("inv-d", world: world), by: .newcomer)
        #expect(world.account(.newcomer)?.status == .active)
    }

    /// The same signature in its high-S form (equally valid ECDSA, but not canonical).
    static func highS(_ proof: String) -> String {
        Base64Coding.url(LowSSignature.twin(Base64Coding.decodeURL(proof)!))
    }

    @Test("an expired invitation is refused, and so is a revoked one")
    func expiredAndRevokedAreRefused() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(Self.invite("inv-short", role: .patient, seconds: 3_600), by: .systemAdmin)
        try world.require(Self.invite("inv-revoked", role: .patient), by: .hospitalAdmin)
        try world.require(RevokeInvitation(invitation: "inv-revoked"), by: .hospitalAdmin)
        world.advance(seconds: 3_600)
        let expired = try world.submit(AcceptInvitation(invitation: "inv-short", proof: try Self.proof("inv-short", role: .patient, for: .newcomer, in: world), role: .patient), by: .newcomer)
        #expect(!expired.allowed)
        #expect(expired.event.message.contains("expired"))
        let revoked = try world.submit(AcceptInvitation(invitation: "inv-revoked", proof: try Self.proof("inv-revoked", role: .patient, for: .newcomer, in: world), role: .patient), by: .newcomer)
        #expect(!revoked.allowed)
        #expect(revoked.event.message.contains("revoked"))
        #expect(world.account(.newcomer) == nil)
        // Neither can be revoked (again).
        #expect(!(try world.submit(RevokeInvitation(invitation: "inv-short"), by: .systemAdmin)).allowed)
        #expect(!(try world.submit(RevokeInvitation(invitation: "inv-revoked"), by: .systemAdmin)).allowed)
    }

    @Test("a doctor invitation cannot register a patient, and no invitation registers an administrator")
    func roleSwapIsRefused() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(Self.invite("inv-d", role: .doctor, organization: ContractWorld.hospital, licence: "GMC-123"), by: .hospitalAdmin)
        let asPatient = try world.submit(AcceptInvitation(invitation: "inv-d", proof: try Self.proof("inv-d", role: .patient, for: .newcomer, in: world), role: .patient), by: .newcomer)
        #expect(!asPatient.allowed)
        #expect(asPatient.event.message.contains("is for a doctor account"))
        // An administrator role never gets past the body's shape.
        let admin = AcceptInvitation(
            invitation: "inv-d", proof: try Self.proof("inv-d", role: .admin, for: .newcomer, in: world), role: .admin, displayName: "Mallory")
        #expect(throws: (any Error).self) { try world.transaction(admin, by: .newcomer) }
        #expect(throws: (any Error).self) { try world.transaction(Self.invite("inv-a", role: .admin), by: .systemAdmin) }
        #expect(world.account(.newcomer) == nil)
    }

    @Test("a doctor invited with the licence the administrator checked is active at once; a different licence is refused")
    func doctorWithCheckedLicenceIsActive() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(Self.invite("inv-d", role: .doctor, licence: "GMC-123"), by: .hospitalAdmin)
        #expect(world.state.invitations["inv-d"]?.organization == ContractWorld.hospital)
        let wrong = try world.submit(try Self.doctorAcceptance("inv-d", licence: "GMC-999", world: world), by: .newcomer)
        #expect(!wrong.allowed)
        #expect(wrong.event.message.contains("licence number is not the one"))
        try world.require(try Self.doctorAcceptance("inv-d", world: world), by: .newcomer)
        let doctor = try #require(world.account(.newcomer))
        #expect(doctor.role == .doctor && doctor.status == .active && doctor.organization == ContractWorld.hospital)
        #expect(doctor.licence == "GMC-123")
    }

    @Test("a doctor invited without a licence number waits for verification")
    func doctorWithoutCheckedLicenceIsPending() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(Self.invite("inv-d", role: .doctor), by: .hospitalAdmin)
        try world.require(try Self.doctorAcceptance("inv-d", world: world), by: .newcomer)
        #expect(world.account(.newcomer)?.status == .pending)
        let doctor = world.address(.newcomer)
        try world.require(VerifyDoctor(doctor: doctor, decision: .approve, certificate: try Self.doctorAcceptance("inv-d", world: world).certificate!), by: .hospitalAdmin)
        #expect(world.account(.newcomer)?.status == .active)
    }

    @Test("staff invitations give the invitation's organization, and the staff member is active")
    func staffInvitation() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(Self.invite("inv-s", role: .pharmacy, organization: ContractWorld.pharmacy), by: .systemAdmin)
        try world.require(AcceptInvitation(invitation: "inv-s", proof: try Self.proof("inv-s", role: .pharmacy, for: .newcomer, in: world), role: .pharmacy, displayName: "Sam Dispenser"), by: .newcomer)
        let account = try #require(world.account(.newcomer))
        #expect(account.role == .pharmacy && account.status == .active && account.organization == ContractWorld.pharmacy)
    }

    @Test("an organization's administrator invites into their own organization only, never auditors")
    func organizationAdminStaysInTheirOrganization() throws {
        var world = try ContractWorld.standard(records: false)
        let other = try world.submit(Self.invite("inv-x", role: .pharmacy, organization: ContractWorld.pharmacy), by: .hospitalAdmin)
        #expect(!other.allowed)
        #expect(other.event.message.contains("their own organization only"))
        let auditor = try world.submit(Self.invite("inv-y", role: .auditor), by: .hospitalAdmin)
        #expect(!auditor.allowed)
        #expect(auditor.event.message.contains("only a system administrator invites auditors"))
        #expect(world.state.invitations.isEmpty)
        // A system administrator may, and the hospital's administrator then neither lists nor revokes it.
        try world.require(Self.invite("inv-x", role: .pharmacy, organization: ContractWorld.pharmacy), by: .systemAdmin)
        let listed = try world.submit(ListInvitations(), by: .hospitalAdmin)
        #expect(listed.answer == .invitations([]))
        #expect(!(try world.submit(RevokeInvitation(invitation: "inv-x"), by: .hospitalAdmin)).allowed)
        #expect(try world.submit(RevokeInvitation(invitation: "inv-x"), by: .systemAdmin).allowed)
    }

    @Test("patients, doctors and keys without an account cannot invite, list or revoke")
    func nonAdministratorsCannotInvite() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(Self.invite("inv-open", role: .patient), by: .systemAdmin)
        for persona in [Persona.patient, .doctor, .auditor, .management, .pharmacist, .newcomer] {
            let made = try world.submit(Self.invite("inv-\(persona.rawValue)", role: .patient), by: persona)
            #expect(!made.allowed, "\(persona) invited")
            #expect(made.event.outcome == .denied)
            #expect(!(try world.submit(ListInvitations(), by: persona)).allowed, "\(persona) listed")
            #expect(!(try world.submit(RevokeInvitation(invitation: "inv-open"), by: persona)).allowed, "\(persona) revoked")
        }
        #expect(Set(world.state.invitations.keys) == ["inv-open"])
        #expect(world.state.invitations["inv-open"]?.status == .open)
    }

    @Test("a key that has an account cannot accept an invitation, and the invitation stays open")
    func existingAccountCannotAccept() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(Self.invite("inv-p", role: .patient), by: .systemAdmin)
        let outcome = try world.submit(AcceptInvitation(invitation: "inv-p", proof: try Self.proof("inv-p", role: .patient, for: .secondPatient, in: world), role: .patient), by: .secondPatient)
        #expect(!outcome.allowed)
        #expect(world.state.invitations["inv-p"]?.status == .open)
    }

    @Test("an invitation stops working once its administrator is removed")
    func removedIssuerInvalidates() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(Self.invite("inv-p", role: .patient), by: .hospitalAdmin)
        try world.require(RemoveAdmin(account: world.address(.hospitalAdmin)), by: .systemAdmin)
        let outcome = try world.submit(AcceptInvitation(invitation: "inv-p", proof: try Self.proof("inv-p", role: .patient, for: .newcomer, in: world), role: .patient), by: .newcomer)
        #expect(!outcome.allowed)
        #expect(outcome.event.message.contains("no longer administers"))
    }

    @Test("the validity is bounded, from one hour to 30 days, the key must be a P-256 key and the proof a signature")
    func shapeIsChecked() throws {
        let world = try ContractWorld.standard(records: false)
        for seconds: Int64 in [0, 3_599, 2_592_001, .max, -1] {
            #expect(throws: (any Error).self, "\(seconds)") { try world.transaction(Self.invite("inv", role: .patient, seconds: seconds), by: .systemAdmin) }
        }
        #expect(throws: Never.self) { try world.transaction(Self.invite("inv", role: .patient, seconds: 3_600), by: .systemAdmin) }
        #expect(throws: Never.self) { try world.transaction(Self.invite("inv", role: .patient, seconds: 2_592_000), by: .systemAdmin) }
        let notAKey = CreateInvitation(id: "inv", publicKey: "abc", role: .patient, seconds: 3_600)
        #expect(throws: (any Error).self) { try world.transaction(notAKey, by: .systemAdmin) }
        let ownKey = CreateInvitation(id: "inv", publicKey: world.publicKey(.systemAdmin), role: .patient, seconds: 3_600)
        #expect(throws: (any Error).self) { try world.transaction(ownKey, by: .systemAdmin) }
        let patientInOrganization = Self.invite("inv", role: .patient, organization: ContractWorld.hospital)
        #expect(throws: (any Error).self) { try world.transaction(patientInOrganization, by: .systemAdmin) }
        let badProof = AcceptInvitation(invitation: "inv", proof: "short", role: .patient)
        #expect(throws: (any Error).self) { try world.transaction(badProof, by: .newcomer) }
    }

    @Test("the list shows each invitation's standing: open, used by whom, expired, revoked")
    func listShowsStanding() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(Self.invite("inv-used", role: .patient), by: .hospitalAdmin)
        try world.require(Self.invite("inv-revoked", role: .doctor), by: .hospitalAdmin)
        try world.require(Self.invite("inv-short", role: .doctor, seconds: 3_600), by: .hospitalAdmin)
        try world.require(Self.invite("inv-open", role: .hospitalManagement), by: .hospitalAdmin)
        try world.require(AcceptInvitation(invitation: "inv-used", proof: try Self.proof("inv-used", role: .patient, for: .newcomer, in: world), role: .patient), by: .newcomer)
        try world.require(RevokeInvitation(invitation: "inv-revoked"), by: .systemAdmin)
        world.advance(seconds: 7_200)
        let outcome = try world.require(ListInvitations(), by: .hospitalAdmin)
        guard case .invitations(let list)? = outcome.answer else { Issue.record("no list"); return }
        #expect(list.map(\.id) == ["inv-open", "inv-short", "inv-revoked", "inv-used"])
        let standings = Dictionary(uniqueKeysWithValues: list.map { ($0.id, $0.standing(at: world.time)) })
        #expect(standings == ["inv-open": .open, "inv-short": .expired, "inv-revoked": .revoked, "inv-used": .used])
        #expect(list.last?.usedBy == world.address(.newcomer))
        let open = try world.require(ListInvitations(standing: .open), by: .systemAdmin)
        #expect(open.answer == .invitations(list.filter { $0.id == "inv-open" }))
    }

    @Test("an invited key uploads its own sign-up documents under the existing upload rule, and only those")
    func uploadsFollowTheRule() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(Self.invite("inv-p", role: .patient), by: .systemAdmin)
        let newcomer = world.address(.newcomer)
        #expect(world.state.uploadDenial(uploader: newcomer, owner: newcomer, at: world.time) == nil)
        #expect(world.state.uploadDenial(uploader: newcomer, owner: world.address(.patient), at: world.time) != nil)
    }
}
