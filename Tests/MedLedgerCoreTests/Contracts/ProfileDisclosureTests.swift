import Foundation
import Testing

@testable import MedLedgerCore

@Suite("profile disclosure: each reader sees only the profile fields their work needs")
struct ProfileDisclosureTests {
    static let document = Array(
        (#"{"name":"Alex Demo","birthDate":"1985-04-12","phone":"+1 555 0101","allergies":"penicillin","medications":"ramipril 5 mg","#
            + #""conditions":"hypertension","bloodType":"O-","gender":"female","weightKg":71.5,"heightCm":168}"#).utf8)

    func fields(_ bytes: [UInt8]) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(bytes))
    }

    @Test("the full disclosure returns the document byte for byte")
    func fullIsUnchanged() {
        #expect(ProfileDisclosure.full.filter(Self.document) == Self.document)
        #expect(ProfileDisclosure.full.filter(Array("not json".utf8)) == Array("not json".utf8))
    }

    @Test("a pharmacy's view: who the patient is, their allergies and current medications, nothing else clinical")
    func dispensing() throws {
        #expect(
            try fields(ProfileDisclosure.dispensing.filter(Self.document))
                == ["name": "Alex Demo", "birthDate": "1985-04-12", "allergies": "penicillin", "medications": "ramipril 5 mg"])
    }

    @Test("an auditor's view: name and birth date only, no clinical field")
    func identity() throws {
        #expect(try fields(ProfileDisclosure.identity.filter(Self.document)) == ["name": "Alex Demo", "birthDate": "1985-04-12"])
    }

    @Test("hospital management's view: name, birth date and phone for scheduling")
    func scheduling() throws {
        #expect(try fields(ProfileDisclosure.scheduling.filter(Self.document)) == ["name": "Alex Demo", "birthDate": "1985-04-12", "phone": "+1 555 0101"])
    }

    @Test(
        "a document that is not one I-JSON object shows nothing to restricted readers",
        arguments: [#"["Alex Demo"]"#, "Alex Demo", #""Alex Demo""#, #"{"name":"Alex","name":"Other"}"#, "", #"{"name":"#])
    func notAnObject(text: String) {
        for disclosure in [ProfileDisclosure.identity, .scheduling, .dispensing] {
            #expect(disclosure.filter(Array(text.utf8)) == Array("{}".utf8))
        }
    }

    @Test("allowed fields that are not strings are dropped, not passed through")
    func nonStringValues() throws {
        let document = Array(#"{"name":{"first":"Alex","allergies":"penicillin"},"birthDate":"1985-04-12"}"#.utf8)
        #expect(try fields(ProfileDisclosure.identity.filter(document)) == ["birthDate": "1985-04-12"])
    }

    @Test("no restricted disclosure shows weight, height, blood type, gender or chronic conditions")
    func clinicalFieldsStayWithClinicians() {
        let clinicalOnly: Set<String> = ["gender", "weightKg", "heightCm", "bloodType", "conditions"]
        for disclosure in ProfileDisclosure.allCases where disclosure != .full {
            #expect(disclosure.fields?.isDisjoint(with: clinicalOnly) == true)
        }
    }

    @Test("the disclosure of a patient's profile by reader role")
    func byRole() {
        #expect(ProfileDisclosure.ofPatientProfile(to: .doctor) == .full)
        #expect(ProfileDisclosure.ofPatientProfile(to: .pharmacy) == .dispensing)
        #expect(ProfileDisclosure.ofPatientProfile(to: .auditor) == .identity)
        #expect(ProfileDisclosure.ofPatientProfile(to: .hospitalManagement) == .scheduling)
        #expect(ProfileDisclosure.ofPatientProfile(to: .admin) == nil)
        #expect(ProfileDisclosure.ofPatientProfile(to: .patient) == nil)
    }

    func disclosure(_ outcome: ContractOutcome) -> ProfileDisclosure? {
        guard case .profile(_, _, let disclosure)? = outcome.answer else { return nil }
        return disclosure
    }

    @Test("the contract's answer names the disclosure for each reader of a patient's profile")
    func contractAnswers() throws {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)
        try world.require(CreateGrant(id: "g-doctor", grantee: world.address(.doctor), scope: .all), by: .patient)
        try world.require(CreateGrant(id: "g-pharmacy", grantee: world.address(.pharmacist), scope: .category(.prescriptions)), by: .patient)
        try world.require(CreateGrant(id: "g-mgmt", grantee: world.address(.management), scope: .category(.reports)), by: .patient)
        try world.require(CreateGrant(id: "g-audit", grantee: world.address(.auditor), scope: .all), by: .patient)
        #expect(disclosure(try world.require(ViewProfile(account: patient), by: .patient)) == .full)
        #expect(disclosure(try world.require(ViewProfile(account: patient), by: .doctor)) == .full)
        #expect(disclosure(try world.require(ViewProfile(account: patient), by: .pharmacist)) == .dispensing)
        #expect(disclosure(try world.require(ViewProfile(account: patient), by: .auditor)) == .identity)
        #expect(disclosure(try world.require(ViewProfile(account: patient), by: .management)) == .scheduling)
    }

    @Test("administrators never read a patient's profile; the refusal is an audited event about the patient")
    func adminsDenied() throws {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)
        for admin in [Persona.systemAdmin, .hospitalAdmin] {
            let outcome = try world.submit(ViewProfile(account: patient), by: admin)
            #expect(!outcome.allowed)
            #expect(outcome.event.outcome == .denied && outcome.event.patient == patient && outcome.event.action == "profile.view")
            #expect(outcome.event.message.contains("administrators do not read patients' profiles"))
        }
    }

    @Test("administrators still read the professionals they administer, profile and certificate, in full")
    func adminsReadProfessionals() throws {
        var world = try ContractWorld.standard()
        try world.require(UpdateProfile(profile: cid("doctor profile")), by: .doctor)
        for admin in [Persona.systemAdmin, .hospitalAdmin] {
            #expect(disclosure(try world.require(ViewProfile(account: world.address(.doctor)), by: admin)) == .full)
            #expect(disclosure(try world.require(ViewProfile(account: world.address(.doctor), document: .certificate), by: admin)) == .full)
        }
        // Any active account reads a professional's profile whole.
        #expect(disclosure(try world.require(ViewProfile(account: world.address(.doctor)), by: .pharmacist)) == .full)
    }
}
