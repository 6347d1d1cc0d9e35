/// An invariant a fuzz target checks did not hold for some input: a parser accepted something it
/// should not have, or answered inconsistently.
public struct FuzzInvariantViolation: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    /// Throws with `message` unless `condition` holds.
    static func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws(FuzzInvariantViolation) {
        guard condition else { throw FuzzInvariantViolation(message()) }
    }
}
