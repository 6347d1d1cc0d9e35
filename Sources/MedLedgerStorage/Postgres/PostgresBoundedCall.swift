import Synchronization

/// Whether a bounded call has its connection yet (see ``PostgresDatabase/bounded(deadline:_:)``).
final class ConnectionStart: Sendable {
    private enum State { case waiting, started, abandoned }
    private let state = Mutex(State.waiting)

    /// Marks the work started; throws if the caller was already answered (it must not run then).
    func begin() throws {
        let began = state.withLock { value in
            guard value == .waiting else { return value == .started }
            value = .started
            return true
        }
        if !began { throw PostgresOutageError.noConnection }
    }

    /// Gives the work up if it has not started; true when it did.
    func abandonIfWaiting() -> Bool {
        state.withLock { value in
            guard value == .waiting else { return false }
            value = .abandoned
            return true
        }
    }
}

/// The one answer of a bounded call: the work's or the watchdog's, whichever comes first.
final class OutageAnswer<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var given: Result<T, any Error>?
        var done = false
        var onAnswer: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())

    func wait(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Runs `action` once the call is answered (at once if it already is).
    func onAnswer(_ action: @escaping @Sendable () -> Void) {
        let now = state.withLock { value -> Bool in
            if value.done { return true }
            value.onAnswer = action
            return false
        }
        if now { action() }
    }

    /// Answers the call unless it was answered already; true when this was the answer.
    @discardableResult
    func give(_ result: Result<T, any Error>) -> Bool {
        let taken = state.withLock { value -> (CheckedContinuation<T, any Error>, (@Sendable () -> Void)?)? in
            guard !value.done, let continuation = value.continuation else { return nil }
            value.done = true
            value.continuation = nil
            defer { value.onAnswer = nil }
            return (continuation, value.onAnswer)
        }
        guard let (continuation, action) = taken else { return false }
        continuation.resume(with: result)
        action?()
        return true
    }
}
