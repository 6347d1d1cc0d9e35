import Hummingbird
import Logging
import MedLedgerCore
import MedLedgerNode

/// The web application's parts, loaded once at start: the page table, the templates, the session,
/// throttle and challenge stores its controllers share (in memory, or shared by every node through
/// ``WebSharedState``), and the limits they enforce.
public struct WebApplication: Sendable {
    let node: LedgerNode
    let credentials: any CredentialStore
    let configuration: WebConfiguration
    let pages: [PageSpec]
    let renderer: PageRenderer
    let sessions: WebSessionStore
    let throttle: any LoginThrottleStore
    let challenges: any SignupChallengeStore
    /// Per-key budgets; page reads spend the session key's `queries` budget.
    let limits: RequestLimits
    let signIn: SignInLimits
    let logger: Logger
    /// Finds the app session behind a FHIR request's bearer token (the SMART authorisation
    /// server's); nil answers every FHIR call but `metadata` with 401.
    var appTokens: (any AppTokenResolving)? = nil

    /// Loads `pages.json` and the templates from the configuration's root; throws
    /// ``WebSetupError`` when they do not fit together. `limits` are the per-key budgets (the same
    /// value the API routes get), `signIn` the sign-in workers and budgets, `shared` where sessions,
    /// throttles and sign-up challenges live (this process's memory unless given; nodes behind
    /// one load balancer must share one).
    public static func load(
        node: LedgerNode, credentials: any CredentialStore, configuration: WebConfiguration,
        limits: RequestLimits = .unlimited, signIn: SignInLimits = .standard(), shared: WebSharedState? = nil, logger: Logger
    ) async throws -> WebApplication {
        let pages = try PageSpec.load(from: configuration.root.appendingPathComponent("pages"))
        let renderer = try await PageRenderer.load(root: configuration.root)
        for page in pages where renderer.library.getTemplate(named: page.template) == nil {
            throw WebSetupError("page \(page.path) names template \(page.template), which does not exist")
        }
        guard renderer.library.getTemplate(named: "error") != nil else { throw WebSetupError("the error template is missing") }
        let shared = shared ?? .inMemory(clock: node.clock)
        var web = WebApplication(
            node: node, credentials: credentials, configuration: configuration, pages: pages, renderer: renderer,
            sessions: WebSessionStore(storage: shared.sessions), throttle: shared.throttle, challenges: shared.challenges,
            limits: limits, signIn: signIn, logger: logger
        )
        web.appTokens = web.issuedTokens
        return web
    }

    /// The access tokens the SMART routes below issue, kept in the same shared web state; `load`
    /// gives them to the FHIR routes as ``appTokens``.
    var issuedTokens: AppTokens { AppTokens(store: OAuthStore(storage: sessions.storage), node: node) }
    /// Signs id_tokens with the key every node derives from the shared web secret.
    var idTokens: IDTokenSigner { IDTokenSigner(secret: configuration.secret) }

    /// `bundleCheckpoint` is the checkpoint audit bundles are proven against (the witnessed one
    /// when the node has witnesses).
    func addRoutes(to router: Router<MedLedgerRequestContext>, bundleCheckpoint: @escaping @Sendable () async -> SignedCheckpoint?) {
        router.add(middleware: ErrorPageMiddleware(renderer: renderer, logger: logger))
        router.add(middleware: FileMiddleware(
            configuration.root.appendingPathComponent("static").path, urlBasePath: "/static",
            cacheControl: .init([(MediaType(type: .any), [.noCache])]), logger: logger
        ))
        // The session cookie is read once per request, for the web routes only: the API's
        // `/v1` routes never look at cookies.
        let web = router.group().add(middleware: SessionMiddleware(sessions: sessions, clock: node.clock))
        // Routes that need a session answer a signed-out client with 401 and need the CSRF token
        // on posts; the CSV exports send a signed-out browser to the log-in page instead.
        let signedIn = web.group()
            .add(middleware: RequireSessionMiddleware(signedOut: .unauthorized))
            .add(middleware: CSRFMiddleware())
        let exports = web.group().add(middleware: RequireSessionMiddleware(signedOut: .loginPageForBrowsers))
        AuthController<MedLedgerRequestContext>(
            node: node, credentials: credentials, sessions: sessions, throttle: throttle, challenges: challenges, configuration: configuration,
            hasher: AuthKeyHasher(rounds: configuration.authHashRounds), signIn: signIn, logger: logger
        ).addRoutes(open: web, signedIn: signedIn)
        // SMART on FHIR: the authorise page and its answers (signed in, CSRF), and the endpoints
        // apps call directly, which never read cookies.
        let oauth = OAuthStore(storage: sessions.storage)
        AuthorizeController<MedLedgerRequestContext>(
            node: node, store: oauth, renderer: renderer, configuration: configuration, limits: limits, logger: logger
        ).addRoutes(open: web, signedIn: signedIn)
        TokenController<MedLedgerRequestContext>(
            node: node, store: oauth, idTokens: idTokens, configuration: configuration, signIn: signIn,
            logger: logger
        ).addRoutes(to: router)
        PageController<MedLedgerRequestContext>(
            node: node, pages: pages, renderer: renderer, credentials: credentials, configuration: configuration,
            logger: logger, limits: limits
        ).addRoutes(to: web)
        DocumentController<MedLedgerRequestContext>(node: node, renderer: renderer, limits: limits).addRoutes(to: signedIn)
        ReportController<MedLedgerRequestContext>(node: node, renderer: renderer, limits: limits).addRoutes(to: exports)
        AuditBundleController<MedLedgerRequestContext>(
            node: node, renderer: renderer, bundleCheckpoint: bundleCheckpoint, limits: limits
        ).addRoutes(to: signedIn)
    }
}
