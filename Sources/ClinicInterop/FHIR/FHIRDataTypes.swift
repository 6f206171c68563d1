import Foundation

// The R4 general-purpose data types the resources here use, each with only the elements this
// server writes. Optional elements are optional properties: the synthesized `Encodable` leaves a
// nil out, and the initialisers turn empty text and empty lists into nil, because FHIR forbids
// empty strings, arrays, objects and nulls.

/// FHIR `Coding`: a code from a code system.
public struct FHIRCoding: Encodable, Sendable, Hashable {
    public var system: String?
    public var code: String?
    public var display: String?

    public init(system: String?, code: String?, display: String? = nil) {
        self.system = system.nonEmptyFHIRString
        self.code = code.nonEmptyFHIRString
        self.display = display.nonEmptyFHIRString
    }
}

/// FHIR `CodeableConcept`: codings and/or plain text.
public struct FHIRCodeableConcept: Encodable, Sendable, Hashable {
    public var coding: [FHIRCoding]?
    public var text: String?

    public init(coding: [FHIRCoding] = [], text: String? = nil) {
        self.coding = coding.nonEmptyFHIRArray
        self.text = text.nonEmptyFHIRString
    }

    /// A concept given by text only, for things no code system we trust names.
    public static func text(_ text: String) -> FHIRCodeableConcept { FHIRCodeableConcept(text: text) }
}

/// FHIR `Identifier`.
public struct FHIRIdentifier: Encodable, Sendable, Hashable {
    public var use: String?
    public var type: FHIRCodeableConcept?
    public var system: String?
    public var value: String?

    public init(use: String? = nil, type: FHIRCodeableConcept? = nil, system: String?, value: String?) {
        self.use = use
        self.type = type
        self.system = system.nonEmptyFHIRString
        self.value = value.nonEmptyFHIRString
    }
}

/// FHIR `Reference`: a relative or contained reference, an identifier, a display text.
public struct FHIRReference: Encodable, Sendable, Hashable {
    public var reference: String?
    public var identifier: FHIRIdentifier?
    public var display: String?

    public init(reference: String? = nil, identifier: FHIRIdentifier? = nil, display: String? = nil) {
        self.reference = reference.nonEmptyFHIRString
        self.identifier = identifier
        self.display = display.nonEmptyFHIRString
    }

    /// `Type/id`.
    public static func to(_ type: String, _ id: String, display: String? = nil) -> FHIRReference {
        FHIRReference(reference: type + "/" + id, display: display)
    }
}

/// FHIR `Period`: dateTime text, written by `FHIRInstant`.
public struct FHIRPeriod: Encodable, Sendable, Hashable {
    public var start: String?
    public var end: String?

    public init(start: String? = nil, end: String? = nil) {
        self.start = start
        self.end = end
    }
}

/// FHIR `Annotation`, text only.
public struct FHIRAnnotation: Encodable, Sendable, Hashable {
    public var text: String

    public init(text: String) { self.text = text }
}

/// FHIR `Quantity` with a UCUM unit.
public struct FHIRQuantity: Encodable, Sendable, Hashable {
    public var value: Double
    public var unit: String
    public var system: String
    public var code: String

    public init(value: Double, ucum code: String, unit: String) {
        self.value = value
        self.unit = unit
        self.system = "http://unitsofmeasure.org"
        self.code = code
    }
}

/// FHIR `Meta`: the version and last update this server knows.
public struct FHIRMeta: Encodable, Sendable, Hashable {
    public var versionId: String?
    public var lastUpdated: String?

    public init(versionId: String? = nil, lastUpdated: Date?) {
        self.versionId = versionId
        self.lastUpdated = lastUpdated.map(FHIRInstant.utc)
    }
}

/// FHIR `ContactPoint`.
public struct FHIRContactPoint: Encodable, Sendable, Hashable {
    public var system: String
    public var value: String

    public init(system: String, value: String) {
        self.system = system
        self.value = value
    }

    public static func phone(_ number: String) -> FHIRContactPoint { FHIRContactPoint(system: "phone", value: number) }
    public static func url(_ address: String) -> FHIRContactPoint { FHIRContactPoint(system: "url", value: address) }
}

/// FHIR `Address` as SMART Scheduling Links asks for it (a USPS complete address).
public struct FHIRAddress: Encodable, Sendable, Hashable {
    public var line: [String]?
    public var city: String?
    public var district: String?
    public var state: String?
    public var postalCode: String?
    public var country: String?

    public init(
        line: [String], city: String?, state: String?, postalCode: String?, district: String? = nil,
        country: String? = nil
    ) {
        self.line = line.compactMap(\.nonEmptyFHIRString).nonEmptyFHIRArray
        self.city = city.nonEmptyFHIRString
        self.district = district.nonEmptyFHIRString
        self.state = state.nonEmptyFHIRString
        self.postalCode = postalCode.nonEmptyFHIRString
        self.country = country.nonEmptyFHIRString
    }
}

/// FHIR `Extension` with the value types this server writes.
public struct FHIRExtension: Encodable, Sendable, Hashable {
    public enum Value: Sendable, Hashable {
        case date(String)
        case url(String)
        case string(String)
        case integer(Int)
    }

    public var url: String
    public var value: Value

    public init(url: String, value: Value) {
        self.url = url
        self.value = value
    }

    private enum CodingKeys: String, CodingKey { case url, valueDate, valueUrl, valueString, valueInteger }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(url, forKey: .url)
        switch value {
        case .date(let text): try container.encode(text, forKey: .valueDate)
        case .url(let text): try container.encode(text, forKey: .valueUrl)
        case .string(let text): try container.encode(text, forKey: .valueString)
        case .integer(let number): try container.encode(number, forKey: .valueInteger)
        }
    }
}

extension Optional where Wrapped == String {
    /// Nil for nil or text with nothing visible: FHIR strings must not be empty.
    var nonEmptyFHIRString: String? { self?.nonEmptyFHIRString }
}

extension String {
    /// Nil for text with nothing visible: FHIR strings must not be empty.
    var nonEmptyFHIRString: String? {
        let trimmed = trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}

extension Array {
    /// Nil for an empty array: FHIR forbids empty arrays.
    var nonEmptyFHIRArray: [Element]? { isEmpty ? nil : self }
}
