import Hummingbird
import Logging
import MedLedgerCore
import NIOCore

/// A C2SP tlog-witness server: `POST /add-checkpoint` and `GET /` (the witness's verifier key).
///
/// Answers are plain text, as the spec has them (a 409 says the recorded size in
/// `text/x.tlog.size`), so any tlog-witness client can talk to it. The checks themselves live in
/// ``WitnessState``; this only moves bytes and statuses.
struct WitnessController<Context: RequestContext>: Sendable {
    let witness: any CheckpointWitness
    let logger: Logger

    /// Requests are an old size, at most 63 proof lines and a checkpoint with a few signatures:
    /// far below this, so anything larger is refused before it is read.
    static var maxBody: Int { 64 * 1024 }

    func addRoutes(to router: Router<Context>) {
        router.post("add-checkpoint", use: addCheckpoint)
        router.get("/", use: key)
    }

    /// `GET /`: the witness's `cosignature/v1` verifier key, for operators configuring a log.
    @Sendable func key(_ request: Request, context: Context) async throws -> Response {
        Self.text(.ok, witness.verifierKey.vkey + "\n")
    }

    /// `POST /add-checkpoint`.
    @Sendable func addCheckpoint(_ request: Request, context: Context) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxBody)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return Self.text(.contentTooLarge, "The request body is larger than \(Self.maxBody) bytes.\n")
        }
        let bytes = Array(buffer: body)
        let parsed: AddCheckpointRequest
        do {
            parsed = try AddCheckpointRequest.parse(bytes)
        } catch {
            return Self.text(.badRequest, "Malformed request: \(error.description).\n")
        }
        let outcome: WitnessOutcome
        do {
            outcome = try await witness.addCheckpoint(parsed, body: bytes)
        } catch {
            logger.error("witness cannot record a checkpoint", metadata: ["error": "\(error)"])
            return Self.text(.internalServerError, "The witness cannot record checkpoints right now.\n")
        }
        let origin = parsed.checkpoint.text.prefix { $0 != "\n" }
        switch outcome {
        case .cosigned(let lines):
            logger.debug("cosigned", metadata: ["origin": "\(origin)", "old": "\(parsed.oldSize)"])
            return Self.text(.ok, lines.map { $0.line + "\n" }.joined())
        case .conflict(let recordedSize):
            if parsed.oldSize == recordedSize {
                logger.warning("refused a fork: same size as the cosigned checkpoint, other root; evidence kept", metadata: ["origin": "\(origin)", "size": "\(recordedSize)"])
            } else {
                logger.debug("old size differs from the recorded one", metadata: ["origin": "\(origin)", "old": "\(parsed.oldSize)", "recorded": "\(recordedSize)"])
            }
            return Response(
                status: .conflict, headers: [.contentType: "text/x.tlog.size"], body: .init(byteBuffer: ByteBuffer(string: "\(recordedSize)\n"))
            )
        case .unprocessable(let message):
            logger.warning("refused an inconsistent checkpoint; evidence kept", metadata: ["origin": "\(origin)", "old": "\(parsed.oldSize)"])
            return Self.text(.unprocessableContent, message + "\n")
        case .forbidden(let message):
            return Self.text(.forbidden, message + "\n")
        case .notFound(let message):
            return Self.text(.notFound, message + "\n")
        case .badRequest(let message):
            return Self.text(.badRequest, message + "\n")
        }
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// The witness server's router.
public func buildWitnessRouter(witness: any CheckpointWitness, logger: Logger) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    WitnessController(witness: witness, logger: logger).addRoutes(to: router)
    return router
}

/// The witness server: serves `witness` on `host:port` until shut down. `onServerRunning` is told
/// the bound channel (so a caller binding port 0 learns the port).
public func buildWitnessApplication(
    witness: any CheckpointWitness, host: String, port: Int, logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildWitnessRouter(witness: witness, logger: logger),
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "MedLedger witness"),
        onServerRunning: onServerRunning,
        logger: logger
    )
}
