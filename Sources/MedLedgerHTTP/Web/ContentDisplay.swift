import Foundation
import MedLedgerCore
import MedLedgerNode

/// How decrypted record or profile content is shown: a JSON document as labelled fields, text as
/// text, anything else as a file to download.
enum ContentDisplay {
    /// The template context for a read's content: nil when it could not be produced (the page
    /// shows the failure instead); a file described by name, type and size when it is a file
    /// type or too large to show inline.
    static func context(for result: QueryResult, now: Int64? = nil) -> [String: Any]? {
        guard result.contentError == nil else { return nil }
        let metadata = result.contentMetadata
        let fileTypes: Set<String> = ["application/pdf", "image/png", "image/jpeg", "application/dicom", "application/octet-stream"]
        if let content = result.content, !(metadata.map { fileTypes.contains(MediaTypeSniffer.essence($0.mediaType)) } ?? false) {
            return context(for: content, now: now)
        }
        guard let size = result.contentSize ?? result.content.map({ Int64($0.count) }) else { return nil }
        var binary: [String: Any] = ["size": size, "sizeText": sizeText(size)]
        if let metadata {
            binary["mediaType"] = metadata.mediaType
            if let name = metadata.fileName { binary["name"] = name }
        }
        return ["binary": binary, "isBinary": true]
    }

    /// "1.4 MB", "820 KB", "12 bytes".
    static func sizeText(_ size: Int64) -> String {
        if size >= 1_000_000 { return String(format: "%.1f MB", Double(size) / 1_000_000) }
        if size >= 1_000 { return "\(size / 1_000) KB" }
        return "\(size) bytes"
    }

    /// A JSON object's fields in reading order; with `now`, a document with a valid `birthDate`
    /// (a profile) also gets the age it gives, worked out here and never stored.
    static func context(for bytes: [UInt8], now: Int64? = nil) -> [String: Any] {
        let data = Data(bytes)
        if var object = try? JSONDecoder().decode([String: JSONValue].self, from: data) {
            if let now, case .string(let born)? = object["birthDate"], object["age"] == nil,
                let age = PatientProfile.age(birthDate: born, at: now)
            {
                object["age"] = .string(age == 1 ? "1 year" : "\(age) years")
            }
            let fields: [[String: Any]] = object.keys.sorted(by: fieldOrder).compactMap { key in
                guard let value = object[key] else { return nil }
                let text: String
                switch value {
                case .string(let string): text = shown(string, key: key)
                case .int(let number): text = String(number)
                case .double(let number): text = numberText(number)
                case .bool(let flag): text = flag ? "yes" : "no"
                case .null: return nil
                default: text = String(decoding: (try? JSONEncoder().encode(value)) ?? Data(), as: UTF8.self)
                }
                // Set on every field, so a template's `{{^clinical}}` never finds an outer value.
                let clinical = PatientProfile.Field(rawValue: key).map { PatientProfile.Field.clinical.contains($0) } ?? false
                return ["name": label(key), "key": key, "value": text, "clinical": clinical]
            }
            var values: [String: Any] = [:]
            for (key, value) in object {
                switch value {
                case .string(let string): values[key] = string
                case .int(let number): values[key] = String(number)
                case .double(let number): values[key] = numberText(number)
                default: break
                }
            }
            return ["fields": fields, "values": values, "isDocument": true, "hasClinical": fields.contains { $0["clinical"] as? Bool == true }]
        }
        if let text = String(bytes: bytes, encoding: .utf8), !text.contains("\u{0}") {
            return ["text": text, "isText": true]
        }
        return ["binary": ["size": bytes.count, "sizeText": sizeText(Int64(bytes.count)), "mediaType": MediaTypeSniffer.mediaType(of: Array(bytes.prefix(512)))], "isBinary": true]
    }

    /// Titles first, then the clinical fields in reading order (a side document's own text before
    /// its details), then the rest alphabetically.
    private static let preferred = [
        "title", "name", "birthDate", "age", "gender", "phone", "email", "address", "office", "emergencyContact",
        "bloodType", "weightKg", "heightCm", "allergies", "medications", "conditions", "symptoms", "reason", "justification", "diagnosis", "treatmentPlan", "medication", "medicationNotes", "dosage", "instructions", "notes", "text"]

    private static func fieldOrder(_ lhs: String, _ rhs: String) -> Bool {
        let left = preferred.firstIndex(of: lhs) ?? preferred.count
        let right = preferred.firstIndex(of: rhs) ?? preferred.count
        return left != right ? left < right : lhs < rhs
    }

    /// Profile fields whose name is not their key in words.
    private static let labels = [
        "birthDate": "Date of birth", "weightKg": "Weight (kg)", "heightCm": "Height (cm)", "medications": "Current medications",
        "conditions": "Chronic conditions", "emergencyContact": "Emergency contact",
    ]

    /// A stored value as people read it: blood groups with a true minus sign, genders in words.
    private static func shown(_ value: String, key: String) -> String {
        switch key {
        case "bloodType": value == "unknown" ? "Unknown" : value.replacingOccurrences(of: "-", with: "−")
        case "gender": ["female": "Female", "male": "Male", "non-binary": "Non-binary", "other": "Other", "undisclosed": "Prefer not to say"][value] ?? value
        case "birthDate":
            // Day, month in words, year: the app's one date format, without a time.
            PatientProfile.date(value).map { "\($0.day) \(monthNames[$0.month - 1]) \($0.year)" } ?? value
        default: value
        }
    }

    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// 72.0 → "72", 72.5 → "72.5".
    private static func numberText(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }

    /// `treatmentPlan` → `Treatment plan`.
    static func label(_ key: String) -> String {
        if let known = labels[key] { return known }
        var words = ""
        for character in key {
            if character.isUppercase { words += " " + character.lowercased() } else { words.append(character) }
        }
        return words.prefix(1).uppercased() + words.dropFirst()
    }
}
