import MedLedgerCore
import Testing

/// The rule turning an app's `scope` request into what a user is asked to grant.
@Suite("SMART scope grants")
struct SMARTScopeGrantTests {
    @Test("a patient's patient/ scopes are normalised to reads and searches of their own compartment")
    func patientScopes() throws {
        let grant = try SMARTScopeGrant.decide(
            requested: "launch/patient openid fhirUser patient/DocumentReference.cruds patient/Observation.write patient/Patient.read offline_access",
            isPatient: true)
        #expect(grant.granted == ["launch/patient", "openid", "fhirUser", "patient/DocumentReference.rs", "patient/Patient.rs"])
        #expect(grant.leftOut == ["patient/Observation.write", "offline_access"])
        #expect(grant.needsLaunchPatient)
    }

    @Test("professionals get user/ scopes only: patient/ scopes and launch/patient are left out")
    func professionalsGetUserScopes() throws {
        let grant = try SMARTScopeGrant.decide(requested: "launch/patient patient/*.rs user/DocumentReference.rs", isPatient: false)
        #expect(grant.granted == ["user/DocumentReference.rs"])
        #expect(grant.leftOut == ["launch/patient", "patient/*.rs"])
        #expect(!grant.needsLaunchPatient)
        #expect(throws: SMARTScopeGrant.Refusal.self) { try SMARTScopeGrant.decide(requested: "launch/patient patient/*.rs", isPatient: false) }
    }

    @Test("system/ scopes refuse the request, and so does a request that grants nothing readable")
    func refusals() {
        #expect(throws: SMARTScopeGrant.Refusal.self) { try SMARTScopeGrant.decide(requested: "patient/*.rs system/*.rs", isPatient: true) }
        #expect(throws: SMARTScopeGrant.Refusal.self) { try SMARTScopeGrant.decide(requested: "openid fhirUser", isPatient: true) }
        #expect(throws: SMARTScopeGrant.Refusal.self) { try SMARTScopeGrant.decide(requested: "", isPatient: true) }
        #expect(throws: SMARTScopeGrant.Refusal.self) { try SMARTScopeGrant.decide(requested: "patient/*.cud", isPatient: true) }
    }

    @Test("a patient granting only user/ scopes has no launch patient, and duplicates are granted once")
    func userScopesForPatients() throws {
        let grant = try SMARTScopeGrant.decide(requested: "user/*.read user/*.rs", isPatient: true)
        #expect(grant.granted == ["user/*.rs"])
        #expect(!grant.needsLaunchPatient)
    }
}
