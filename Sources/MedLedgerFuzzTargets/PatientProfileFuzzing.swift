import MedLedgerCore

/// Drives ``PatientProfile/validate(_:)``, which the node runs on a patient's decrypted profile
/// before admitting the write that names it, and the disclosure filters and age that pages apply
/// to a stored profile.
public enum PatientProfileFuzzing {
    /// An accepted profile must be one I-JSON object of known fields with a real birth date, and
    /// every restricted disclosure of any input must be an I-JSON object of its own fields only.
    public static func check(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        for disclosure in ProfileDisclosure.allCases where disclosure != .full {
            let shown = disclosure.filter(input)
            let members = (try? IJSON.parse(shown))?.object
            try FuzzInvariantViolation.expect(members != nil, "a restricted disclosure is one I-JSON object")
            try FuzzInvariantViolation.expect(
                Set((members ?? [:]).keys).isSubset(of: disclosure.fields ?? []), "a restricted disclosure keeps only its fields")
        }
        do throws(PatientProfileError) {
            try PatientProfile.validate(input)
        } catch {
            _ = error.description
            return
        }
        let members = (try? IJSON.parse(input))?.object
        try FuzzInvariantViolation.expect(members != nil, "an accepted profile is one I-JSON object")
        for (key, value) in members ?? [:] {
            try FuzzInvariantViolation.expect(PatientProfile.Field(rawValue: key) != nil, "an accepted profile has only known fields")
            if key == PatientProfile.Field.birthDate.rawValue, let born = value.string {
                try FuzzInvariantViolation.expect(PatientProfile.date(born) != nil, "an accepted birth date is a date")
                _ = PatientProfile.age(birthDate: born, at: 1_795_000_000_000)
            }
        }
    }
}
