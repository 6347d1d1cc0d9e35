import ArgumentParser
import Foundation
import MedLedgerClient
import MedLedgerCore

/// `medledger upload FILE`: stores content encrypted under a patient's key on a running node and
/// prints its CID, for a following `medledger tx` to reference.
struct UploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload content (encrypted by the node under the patient's key) and print its CID.",
        discussion: "The request is signed with the key file, so only account holders can store content."
    )

    @Argument(help: "The file to upload; - reads standard input.")
    var file: String

    @Option(name: .long, help: "Key file of the uploading account.")
    var key: String

    @Option(name: .long, help: "Address of the patient whose key encrypts the content.")
    var owner: String

    @Option(name: .long, help: "The node's base URL.")
    var url: String = "http://127.0.0.1:8080"

    @Option(name: .long, help: "Media type (application/pdf, image/png, image/jpeg, application/dicom, text/plain, application/json); recognised from the content when omitted.")
    var type: String?

    @Option(name: .long, help: "File name stored (encrypted) with the content; the file's own name when omitted.")
    var name: String?

    func validate() throws {
        guard AccountAddress(owner) != nil else { throw ValidationError("--owner must be an account address (ml + 40 hex digits).") }
    }

    func run() async throws {
        let signingKey = try readKeyFile(key)
        let content: Data
        do {
            content = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw CLIError("\(file) cannot be read.")
        }
        let node: MedLedgerClient
        do { node = try MedLedgerClient(url: url) } catch { throw ValidationError("--url must be an http or https URL.") }
        let mediaType = type ?? MediaTypeSniffer.mediaType(of: [UInt8](content.prefix(512)))
        guard MediaTypeSniffer.accepted.contains(MediaTypeSniffer.essence(mediaType)) else {
            throw CLIError("\(file) is not a PDF, PNG, JPEG, DICOM, text or JSON file; give --type if it is one.")
        }
        let storedName = name ?? (file == "-" ? nil : URL(fileURLWithPath: file).lastPathComponent)
        let answer = try await node.upload(
            [UInt8](content), owner: owner, name: storedName, mediaType: mediaType, signingKey: signingKey,
            now: UnixMilliseconds.now()
        )
        print(String(decoding: answer.body, as: UTF8.self))
        guard answer.status == 201 else { throw ExitCode(1) }
    }
}
