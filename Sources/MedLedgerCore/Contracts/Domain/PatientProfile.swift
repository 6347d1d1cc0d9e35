import Foundation

/// The patient's profile document: the one definition of its fields and of what each may hold.
///
/// The document is encrypted in the content store; the ledger only names its CID. The browser
/// checks these rules as the patient types, and the node checks them again before it admits a
/// `patient.register` or `profile.update` that names the document (``validate(_:)``), so a
/// profile that breaks them is refused with a plain reason and nothing is recorded. Age is never
/// stored: it is worked out from ``birthDate`` whenever the profile is shown (``age(birthDate:at:)``).
public enum PatientProfile {
    /// A member of the document.
    public enum Field: String, CaseIterable, Sendable {
        case name, birthDate, phone, address, emergencyContact
        case gender, weightKg, heightCm, bloodType, allergies, medications, conditions

        /// The clinical fields: what the profile says about the patient's health.
        public static let clinical: Set<Field> = [.gender, .weightKg, .heightCm, .bloodType, .allergies, .medications, .conditions]
    }

    /// The genders a patient may state.
    public static let genders: [String] = ["female", "male", "non-binary", "other", "undisclosed"]
    /// ABO and RhD blood groups, or `unknown`.
    public static let bloodTypes: [String] = ["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-", "unknown"]
    /// Weight in kilograms: a newborn to the heaviest recorded people.
    public static let weightRange: ClosedRange<Double> = 0.2...700
    /// Height in centimetres.
    public static let heightRange: ClosedRange<Double> = 20...280
    /// The longest free text (allergies, medications, conditions, address).
    public static let maxTextLength = 2_000
    /// The longest short field (name, phone, emergency contact).
    public static let maxShortLength = 200
    /// The largest document the node reads to check it.
    public static let maxDocumentBytes = 32 * 1024

    /// Checks a profile document: one I-JSON object with only ``Field`` members, strings within
    /// their lengths and without control characters (line breaks allowed in free text), a real
    /// birth date in `YYYY-MM-DD` form, a gender and blood type from their lists, and weight and
    /// height as numbers in range. Throws the first problem, naming the field but never its value.
    public static func validate(_ document: [UInt8]) throws(PatientProfileError) {
        guard document.count <= maxDocumentBytes else { throw PatientProfileError("the profile is larger than \(maxDocumentBytes / 1024) KiB") }
        let parsed: IJSONValue
        do {
            parsed = try IJSON.parse(document)
        } catch {
            throw PatientProfileError("the profile is not valid JSON")
        }
        guard let members = parsed.object else { throw PatientProfileError("the profile must be a JSON object") }
        for key in members.keys.sorted() {
            guard let field = Field(rawValue: key), let value = members[key] else { throw PatientProfileError("the profile has an unknown field \"\(key.prefix(40))\"") }
            try check(field, value)
        }
    }

    private static func check(_ field: Field, _ value: IJSONValue) throws(PatientProfileError) {
        switch field {
        case .weightKg: try number(value, field: "weight (kg)", in: weightRange)
        case .heightCm: try number(value, field: "height (cm)", in: heightRange)
        case .gender:
            guard let text = value.string, genders.contains(text) else { throw PatientProfileError("gender must be one of \(genders.joined(separator: ", "))") }
        case .bloodType:
            guard let text = value.string, bloodTypes.contains(text) else {
                throw PatientProfileError("blood type must be one of \(bloodTypes.joined(separator: ", "))")
            }
        case .birthDate:
            guard let text = value.string, date(text) != nil else { throw PatientProfileError("date of birth must be a date written YYYY-MM-DD") }
        case .name, .phone, .emergencyContact:
            try text(value, field: field.rawValue, max: maxShortLength, lines: false)
        case .address, .allergies, .medications, .conditions:
            try text(value, field: field.rawValue, max: maxTextLength, lines: true)
        }
    }

    private static func number(_ value: IJSONValue, field: String, in range: ClosedRange<Double>) throws(PatientProfileError) {
        guard case .number(let number) = value, range.contains(number) else {
            throw PatientProfileError("\(field) must be a number from \(format(range.lowerBound)) to \(format(range.upperBound))")
        }
    }

    private static func text(_ value: IJSONValue, field: String, max: Int, lines: Bool) throws(PatientProfileError) {
        guard let text = value.string else { throw PatientProfileError("\(field) must be text") }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, text.count <= max else {
            throw PatientProfileError("\(field) must be 1 to \(max) characters")
        }
        let allowed: Set<Unicode.Scalar> = lines ? ["\n", "\r", "\t"] : []
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !allowed.contains($0) }) else {
            throw PatientProfileError("\(field) must not contain control characters")
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// A `YYYY-MM-DD` date between 1880 and 2199 that exists in the calendar, as (year, month,
    /// day); nil otherwise.
    public static func date(_ text: String) -> (year: Int, month: Int, day: Int)? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 10, utf8[4] == UInt8(ascii: "-"), utf8[7] == UInt8(ascii: "-") else { return nil }
        guard let year = Int(text.prefix(4)), let month = Int(text.dropFirst(5).prefix(2)), let day = Int(text.suffix(2)),
            utf8.enumerated().allSatisfy({ $0.offset == 4 || $0.offset == 7 || ($0.element >= 0x30 && $0.element <= 0x39) })
        else { return nil }
        guard (1880...2199).contains(year), (1...12).contains(month), day >= 1 else { return nil }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days ? (year, month, day) : nil
    }

    /// Whole years from `birthDate` to `time` (Unix milliseconds, read in UTC, the zone every page
    /// shows dates in); nil for a text that is not a date or a birth date after `time`.
    public static func age(birthDate: String, at time: Int64) -> Int? {
        guard let born = date(birthDate) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let today = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(time) / 1000))
        guard let year = today.year, let month = today.month, let day = today.day else { return nil }
        var years = year - born.year
        if (month, day) < (born.month, born.day) { years -= 1 }
        return years >= 0 ? years : nil
    }
}
