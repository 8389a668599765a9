import ColanSupport

/// Names the synthetic report history draws from, taken from the vendor
/// reference (device types and names from its section 8, countries from its
/// section 9) so generated data looks like real exports.
enum Vocabulary {
    /// (deviceName, deviceType) pairs from the Amagi reference.
    static let devices: [(name: String, type: String)] = [
        ("Apple OS X", "Desktop"), ("Windows Desktop", "Desktop"), ("Desktop", "Desktop"),
        ("Apple iPod", "Media Player"),
        ("Apple iPhone", "Mobile Phone"), ("Samsung Mobile", "Mobile Phone"), ("OthersMobile", "Mobile Phone"),
        ("Roku", "Roku"),
        ("Amazon Fire TV", "Smart TV"), ("Google Chromecast", "Smart TV"), ("Samsung TV", "Smart TV"),
        ("Haier TV", "Smart TV"), ("Hisense TV", "Smart TV"), ("Philips TV", "Smart TV"),
        ("Panasonic TV", "Smart TV"), ("Vizio TV", "Smart TV"), ("LG TV", "Smart TV"), ("OthersTV", "Smart TV"),
        ("Amazon Fire TV Stick", "Smart TV"), ("Apple TV", "Smart TV"),
        ("Set Top Box TV", "TV"),
        ("Apple iPad", "Tablet"), ("Samsung Tablet", "Tablet"), ("OthersTablet", "Tablet"),
        ("Others", "Others"),
    ]

    /// Relative popularity of each device name above (FAST viewing is mostly TV).
    static let deviceWeights: [Double] = [
        2, 3, 1, 0.2, 6, 4, 2, 18, 10, 4, 9, 1, 2, 1, 1, 5, 6, 2, 7, 4, 3, 3, 2, 1, 1,
    ]

    /// Countries from the vendor's list; the first ones are the most watched.
    static let countries = [
        "United States", "India", "United Kingdom", "Canada", "Australia", "Germany", "Brazil", "Mexico",
        "France", "Spain", "Italy", "Japan", "South Korea", "Netherlands", "Sweden", "Norway", "Denmark",
        "Finland", "Ireland", "New Zealand", "Argentina", "Chile", "Colombia", "Peru", "Philippines",
        "Indonesia", "Malaysia", "Singapore", "Thailand", "Vietnam", "South Africa", "Nigeria", "Kenya",
        "Egypt", "Turkey", "Poland", "Portugal", "Belgium", "Austria", "Switzerland", "Czechia", "Greece",
        "Romania", "Hungary", "Israel", "United Arab Emirates", "Saudi Arabia", "Pakistan", "Bangladesh",
        "Sri Lanka", "Nepal", "Ukraine", "Russia", "Morocco", "Puerto Rico", "Jamaica", "Dominican Republic",
        "Costa Rica", "Panama", "Uruguay",
    ]

    /// Channel genres for readable channel ids ("ch07-sports-hd").
    static let genres = ["sports", "flix", "news", "kids", "music", "comedy", "docs", "food", "travel", "retro"]
}
