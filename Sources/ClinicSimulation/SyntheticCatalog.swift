import ClinicDomain
import ClinicServices
import Foundation

/// The levels synthetic fractures fall on (T6-L4) and how often each is the main one.
enum Levels {
    static let all: [VertebralLevel] = ["T6", "T7", "T8", "T9", "T10", "T11", "T12", "L1", "L2", "L3", "L4"]
        .compactMap { try? VertebralLevel($0) }
    static let weights: [Double] = [1, 2, 3, 3, 4, 8, 12, 12, 8, 5, 3]
}

/// Small built-in name lists for synthetic patients and referrers.
enum Names {
    static let female = [
        "Margaret", "Dorothy", "Helen", "Ruth", "Patricia", "Linda", "Barbara", "Carol", "Shirley", "Joan",
        "Judith", "Evelyn", "Maria", "Rosa", "Lucia", "Mei", "Aiko", "Grace", "Irene", "Gloria", "Nadia", "Esther",
    ]
    static let male = [
        "Robert", "James", "William", "Richard", "Charles", "Joseph", "Thomas", "Donald", "George", "Kenneth",
        "Raymond", "Frank", "Manuel", "Jose", "Hiroshi", "Wei", "Samuel", "Arthur", "Walter", "Eugene",
    ]
    static let family = [
        "Anderson", "Baker", "Begay", "Brown", "Castillo", "Chavez", "Chen", "Clark", "Davis", "Dubois",
        "Fischer", "Garcia", "Gonzales", "Hansen", "Harris", "Jensen", "Johnson", "Kim", "Lee", "Lopez",
        "Martinez", "Miller", "Morales", "Murphy", "Nakamura", "Nguyen", "Novak", "O'Brien", "Olsen", "Ortiz",
        "Patel", "Romero", "Sanchez", "Schmidt", "Silversmith", "Taylor", "Thompson", "Tsosie", "Walker",
        "Whitehorse", "Williams", "Yazzie",
    ]
    static let referrers: [(name: String, npi: String?)] = [
        ("Dr. Samuel Ortiz", "1234567893"), ("Dr. Lucy Tran", nil), ("Dr. Amina Yusuf", "1987654320"),
        ("Dr. Peter Lindqvist", "1457382910"), ("Dr. Rachel Goldberg", "1672839405"), ("Dr. Daniel Whitaker", nil),
        ("Dr. Sofia Herrera", "1093847561"), ("Dr. Michael Osei", "1568203947"),
    ]
}
