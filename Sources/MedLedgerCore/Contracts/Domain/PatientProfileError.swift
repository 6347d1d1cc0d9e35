/// Why a patient's profile document was refused; the message names the field, never its value.
public struct PatientProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
