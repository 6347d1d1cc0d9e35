import Logging

/// What every benchmark run gets from the command that starts it: how to make and open ledgers,
/// where progress goes, and the logger for the ledgers it opens.
public struct BenchContext: Sendable {
    public var ledgers: any BenchLedgers
    public var progress: TerminalProgress
    public var logger: Logger

    public init(ledgers: any BenchLedgers, progress: TerminalProgress = TerminalProgress(), logger: Logger) {
        self.ledgers = ledgers
        self.progress = progress
        self.logger = logger
    }
}

/// A benchmark run with a ``BenchContext``: its parts by name.
protocol RunsInContext {
    var context: BenchContext { get }
}

extension RunsInContext {
    var ledgers: any BenchLedgers { context.ledgers }
    var progress: TerminalProgress { context.progress }
    var logger: Logger { context.logger }
}
