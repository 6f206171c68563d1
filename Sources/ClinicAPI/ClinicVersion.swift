/// The server's release, as the FHIR CapabilityStatement and the HL7 ACK's software name it.
enum ClinicVersion {
    static let current = "0.2.0"
}
