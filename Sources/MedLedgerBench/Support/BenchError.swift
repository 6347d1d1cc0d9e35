/// A benchmark that could not run or whose figures would mislead (a failed set-up step, an
/// unexpected answer from the server under load); the command prints it without a stack trace.
public struct BenchError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
