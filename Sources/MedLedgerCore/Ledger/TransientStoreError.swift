/// An error that means a store is out of reach for now (its server down, restarting or failing
/// over) rather than that the request or the data is wrong: callers answer "try again shortly"
/// (HTTP 503) instead of reporting a fault. Stores make their drivers' errors conform.
public protocol TransientStoreError: Error {
    /// True when this error is such an outage.
    var isTransient: Bool { get }
}
