import ClinicInterop
import Testing

/// ORU^R01 messages shaped like a hospital RIS sends them, for the HL7 specifications.
///
/// The patient is a 68-year-old woman (born 1956-11-04) with an acute L1 wedge fracture:
/// 30% height loss with STIR marrow edema on lumbar MRI, read on 2025-03-14 in Denver (MDT, -0600).
enum HL7SampleMessages {
    static let msh =
        "MSH|^~\\&|RADIS|MERCY RAD|CLINIC|SPINE CLINIC|20250314101500-0600||ORU^R01^ORU_R01|MSG20250314-0001|P|2.5.1|||AL|NE||UNICODE UTF-8"
    static let pid =
        "PID|1||0099812^^^MERCY^PI~MRN-448812^^^MERCY^MR||HALVORSEN^MARGARET^A||19561104|F|||1208 ASPEN WAY^^DENVER^CO^80203"
    static let obr =
        "OBR|1|ORD-5531|RAD-99120|72148^MR LUMBAR SPINE WO CONTRAST^CPT4|||20250314093000-0600|||||||||1234567890^PATEL^ANIL||ACC-2025-0311||||20250314101200-0600||MR|F"
    static let reportText = [
        "OBX|1|TX|IMP^Impression^L||Acute L1 compression fracture with approximately 30% anterior height loss.||||||F",
        "OBX|2|TX|IMP^Impression^L||STIR hyperintense marrow edema at L1, consistent with a recent fracture.||||||F",
    ]
    static let l1Findings = [
        "OBX|3|NM|HEIGHTLOSS^Vertebral height loss^99VCF|L1|30|%|||||F",
        "OBX|4|CWE|MORPHOLOGY^Fracture morphology^99VCF|L1|wedge^Wedge^99VCF||||||F",
        "OBX|5|CWE|EDEMA^Marrow edema^99VCF|L1|present^Present^99VCF||||||F",
    ]

    /// The final MRI report, segments ending in CR as the standard has it.
    static var finalMRI: String {
        join([msh, pid, "PV1|1|O", "ORC|RE|ORD-5531|RAD-99120", obr] + reportText + l1Findings)
    }

    static func join(_ segments: [String], separator: String = "\r") -> String {
        segments.joined(separator: separator) + separator
    }

    /// `segment` with field `number` (HL7 numbering, not for MSH) replaced by `value`.
    static func replacing(_ number: Int, of segment: String, with value: String) -> String {
        var fields = segment.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        while fields.count <= number { fields.append("") }
        fields[number] = value
        return fields.joined(separator: "|")
    }

    /// MSH with field `number` (HL7 numbering: MSH-3 is the first after the encoding characters) replaced.
    static func msh(replacing number: Int, with value: String) -> String {
        // Split, MSH-n sits at index n - 1 since MSH-1 is the separator itself.
        var fields = msh.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        while fields.count <= number - 1 { fields.append("") }
        fields[number - 1] = value
        return fields.joined(separator: "|")
    }
}

/// The rejection `body` throws, or nil when it succeeds; any other error is a test failure.
func hl7Rejection<T>(_ body: () throws -> T) -> HL7Rejection? {
    do {
        _ = try body()
        return nil
    } catch let rejection as HL7Rejection {
        return rejection
    } catch {
        Issue.record("expected an HL7Rejection, got \(error)")
        return nil
    }
}
