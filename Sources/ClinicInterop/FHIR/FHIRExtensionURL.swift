/// The extension URLs this server reads and writes, in one place so mapper and intake agree.
public enum FHIRExtensionURL {
    /// valueDate: the date the referral's candidacy window closes (fracture likely healed).
    public static let candidacyWindowCloses =
        "https://clinic.example.org/fhir/StructureDefinition/candidacy-window-closes"
    /// valueDate: when the patient's symptoms began.
    public static let symptomOnset = "https://clinic.example.org/fhir/StructureDefinition/symptom-onset"
    /// valueUrl on a Slot: where a person books it (SMART Scheduling Links).
    public static let bookingDeepLink = "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link"
    /// valueString on a Slot: the phone number that books it (SMART Scheduling Links).
    public static let bookingPhone = "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-phone"
    /// valueInteger on a Slot: how many identical appointments it stands for (SMART Scheduling Links).
    public static let slotCapacity = "http://fhir-registry.smarthealthit.org/StructureDefinition/slot-capacity"
}
