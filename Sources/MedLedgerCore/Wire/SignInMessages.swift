/// `POST /auth/prelogin`'s answer: the salt and iteration count the browser derives the
/// password keys with (a made-up pair for unknown names, so names cannot be enumerated).
public struct PreloginResponse: Codable, Sendable, Equatable {
    public var salt: String
    public var iterations: Int

    public init(salt: String, iterations: Int) {
        self.salt = salt
        self.iterations = iterations
    }
}

/// `POST /auth/login`'s answer: the wrapped signing key and the session key the client is to
/// delegate to with a signed `session.open`.
public struct LoginResponse: Codable, Sendable, Equatable {
    public var address: String
    public var publicKey: String
    public var role: Role
    public var wrappedKey: String
    public var salt: String
    public var iterations: Int
    public var sessionKey: String
    public var sessionExpires: Int64

    public init(
        address: String, publicKey: String, role: Role, wrappedKey: String, salt: String, iterations: Int, sessionKey: String,
        sessionExpires: Int64
    ) {
        self.address = address
        self.publicKey = publicKey
        self.role = role
        self.wrappedKey = wrappedKey
        self.salt = salt
        self.iterations = iterations
        self.sessionKey = sessionKey
        self.sessionExpires = sessionExpires
    }
}
