/// The open-loop load settings that `bench http` and `bench fhir` share, so the command line sets
/// them with one option group (``HTTPBench`` and ``FHIRBench`` keep their own defaults).
public protocol OpenLoopBench {
    /// Requests per second; several values run every target at each rate.
    var rate: [Int] { get set }
    /// Measured seconds per target and rate.
    var duration: Double { get set }
    /// Unmeasured seconds at the same rate before each measurement.
    var warmup: Double { get set }
    /// Keep-alive HTTP/1.1 connections the requests are spread over.
    var connections: Int { get set }
    /// The p99 target in milliseconds that each target's `meets_target` checks.
    var p99Target: Double { get set }
    /// Seconds to wait for answers still outstanding after the last scheduled request.
    var drain: Double { get set }
}

extension HTTPBench: OpenLoopBench {}
extension FHIRBench: OpenLoopBench {}
