import ArgumentParser
import ClinicApp
import ClinicDocuments
import ClinicDomain
import ClinicPostgres
import ClinicServices
import Foundation

extension InstructionDocument: ExpressibleByArgument {}
extension InstructionFormat: ExpressibleByArgument {}

/// `clinic instructions show|set|reset|print`: a clinic's wording of its patient letters, and a
/// letter printed from the command line.
struct InstructionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instructions",
        abstract: "Show, replace or reset a clinic's patient letter templates; print a visit's letter.",
        subcommands: [Show.self, Set.self, Reset.self, Print.self])

    /// Which clinic's which letter in which format.
    struct Which: ParsableArguments {
        @Option(help: "The clinic's id.") var clinic: String
        @Option(help: "procedure, evaluation, follow_up or aftercare.") var document: InstructionDocument
        @Option(help: "html or text.") var format: InstructionFormat
    }

    static func actor(_ command: String) -> Actor {
        Actor(principal: .commandLine(command), requestID: nil, at: Date())
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the template a letter is written from: the clinic's own, or the shipped one.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var which: Which

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                let own = try await APIServices.postgres(db).instructions.templates(
                    clinicID: try ClinicID.parse(which.clinic, "--clinic"),
                    actor: InstructionsCommand.actor("clinic instructions show"))
                if let stored = own.first(where: { $0.document == which.document && $0.format == which.format }) {
                    FileHandle.standardError.write(Data("(the clinic's own, by \(stored.updatedBy))\n".utf8))
                    print(stored.body)
                } else {
                    FileHandle.standardError.write(Data("(shipped)\n".utf8))
                    print(InstructionTemplate.shipped(which.document, which.format).source)
                }
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the clinic's wording of one letter with a Mustache template, checked first.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var which: Which
        @Option(help: "The template file, or - for standard input.") var file: String

        func run() async throws {
            let body: String
            if file == "-" {
                body = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw CLIError.failed("cannot read \(file)")
                }
                body = String(decoding: data, as: UTF8.self)
            }
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                _ = try await APIServices.postgres(db).instructions.setTemplate(
                    clinicID: try ClinicID.parse(which.clinic, "--clinic"), document: which.document,
                    format: which.format, body: body, actor: InstructionsCommand.actor("clinic instructions set"))
                print("Stored the clinic's \(which.document.rawValue) letter (\(which.format.rawValue)).")
            }
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Go back to the shipped wording of one letter.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var which: Which

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                try await APIServices.postgres(db).instructions.resetTemplate(
                    clinicID: try ClinicID.parse(which.clinic, "--clinic"), document: which.document,
                    format: which.format, actor: InstructionsCommand.actor("clinic instructions reset"))
                print("The \(which.document.rawValue) letter (\(which.format.rawValue)) uses the shipped wording.")
            }
        }
    }

    struct Print: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an appointment's letter (audited as a read of patient data).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The appointment's id.") var appointment: String
        @Option(help: "html or text.") var format: InstructionFormat = .text

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                let letter = try await APIServices.postgres(db).instructions.letter(
                    appointmentID: try AppointmentID.parse(appointment, "the appointment id"), format: format,
                    actor: InstructionsCommand.actor("clinic instructions print"))
                print(
                    InstructionTemplate.letter(letter.facts, format: format, clinicTemplate: letter.customTemplate),
                    terminator: "")
            }
        }
    }
}
