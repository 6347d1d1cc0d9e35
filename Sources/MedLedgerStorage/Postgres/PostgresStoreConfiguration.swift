import Foundation
import NIOSSL
import PostgresNIO

/// How to reach the database: `--store postgres://user@host:port/database?sslmode=…`, the password
/// from `MEDLEDGER_PG_PASSWORD` or `--store-password-file` (never in the URL, which shows in
/// process lists and logs).
public struct PostgresStoreConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// `sslrootcert=PATH`: PEM certificates to trust for the server instead of the system's roots.
    public var rootCertificates: String?
    /// Connections each of this node's two pools opens at most (so a node holds up to twice this).
    public var maximumConnections: Int = 16

    public enum TLSMode: String, Sendable {
        /// `sslmode=disable`: plain TCP (loopback or a private network only).
        case disable
        /// `sslmode=prefer` (the default): TLS when the server offers it.
        case prefer
        /// `sslmode=require`: TLS or no connection, the server's certificate and host name checked
        /// against the system's trust roots (or `sslrootcert`).
        case require
    }

    /// Parses `postgres://` or `postgresql://` URLs. A password inside the URL is refused.
    public init(url text: String, password: String?) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            ["postgres", "postgresql"].contains(scheme)
        else { throw PostgresStoreError.badURL("it must start with postgres:// or postgresql://") }
        guard components.password == nil else {
            throw PostgresStoreError.badURL("put the password in MEDLEDGER_PG_PASSWORD or --store-password-file, not in the URL")
        }
        guard let host = components.host, !host.isEmpty else { throw PostgresStoreError.badURL("it names no host") }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw PostgresStoreError.badURL("the port must be 1 to 65535") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw PostgresStoreError.badURL("it names no database (postgres://user@host/DATABASE)") }
        var tls = TLSMode.prefer
        var rootCertificates: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw PostgresStoreError.badURL("sslmode must be disable, prefer or require")
                }
                tls = mode
            case "sslrootcert":
                guard let path = item.value, !path.isEmpty else { throw PostgresStoreError.badURL("sslrootcert names no file") }
                rootCertificates = path
            default:
                throw PostgresStoreError.badURL("unknown parameter \(item.name); only sslmode and sslrootcert are understood")
            }
        }
        self.host = host
        self.port = port
        self.username = components.user ?? "medledger"
        self.password = password
        self.database = database
        self.tls = tls
        self.rootCertificates = rootCertificates
    }

    /// The postgres-nio configuration of this database.
    public var clientConfiguration: PostgresClient.Configuration {
        var settings = TLSConfiguration.makeClientConfiguration()
        if let rootCertificates { settings.trustRoots = .file(rootCertificates) }
        let tlsConfiguration: PostgresClient.Configuration.TLS
        switch tls {
        case .disable: tlsConfiguration = .disable
        case .prefer: tlsConfiguration = .prefer(settings)
        case .require: tlsConfiguration = .require(settings)
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tlsConfiguration)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// A URL naming the same database (without the password), for logs and messages.
    public var displayURL: String { "postgres://\(username)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)" }
}
