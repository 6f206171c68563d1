import ClinicDomain

/// A weekday and two times as the hot reads aggregate them into one text array per row,
/// `weekday HH:MM HH:MM` (opening hours, template windows), so that a clinic and its hours, or
/// a resource and its week, come back in one round trip.
enum WeekdayHoursLine {
    /// One line back into its parts; a malformed line is corrupt data, refused like a bad time.
    static func parse(_ line: String) throws -> (weekday: Int, from: LocalTime, to: LocalTime) {
        let parts = line.split(separator: " ")
        guard parts.count == 3, let weekday = Int(parts[0]) else {
            throw StoredDataError("a stored weekday and hours line is malformed: \(line)")
        }
        return (weekday, try LocalTime(String(parts[1])), try LocalTime(String(parts[2])))
    }
}
