import Foundation

/// Which clinics a token reaches: the whole network, or a set of clinics.
///
/// A set may be empty only for a token that reached nothing after an upgrade; such a token
/// reaches no clinic and sees nothing. Tokens issued now name at least one clinic or the network.
public enum ClinicScope: Hashable, Sendable {
    /// Every clinic, present and future: network administrators and reporters.
    case network
    /// Exactly these clinics.
    case clinics(Set<ClinicID>)

    /// A scope of the given clinics.
    /// - Throws: `ValidationError` when the list is empty (a token must reach something).
    public static func only(_ clinics: some Sequence<ClinicID>) throws -> ClinicScope {
        let set = Set(clinics)
        guard !set.isEmpty else {
            throw ValidationError(pointer: "", message: "must name at least one clinic, or the whole network")
        }
        return .clinics(set)
    }

    /// Whether the scope reaches `clinic`.
    public func reaches(_ clinic: ClinicID) -> Bool {
        switch self {
        case .network: true
        case .clinics(let clinics): clinics.contains(clinic)
        }
    }

    /// Whether this is the network-wide scope.
    public var isNetwork: Bool { self == .network }

    /// The clinics named, sorted; nil for the network.
    public var clinicIDs: [ClinicID]? {
        switch self {
        case .network: nil
        case .clinics(let clinics): clinics.sorted { $0.rawValue.uuidString < $1.rawValue.uuidString }
        }
    }

    /// "network", or the clinic ids separated by commas ("" for none): how `clinic token list`
    /// shows it and what the database's row-level security reads.
    public var description: String {
        switch self {
        case .network: "network"
        case .clinics: (clinicIDs ?? []).map(\.description).joined(separator: ",")
        }
    }
}
