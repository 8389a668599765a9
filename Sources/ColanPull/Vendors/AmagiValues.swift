/// The values the Amagi API lists for its filters (the reference's sections 8 and 9), which
/// `--split DIM` without values pulls one slice each of. Spelled as the reference spells them.
enum AmagiValues {
    /// Filters whose values the reference lists.
    static func listed(_ dimension: String) -> [String]? {
        switch dimension {
        case "deviceType": return deviceTypes
        case "deviceName": return deviceNames
        case "country": return countries
        default: return nil
        }
    }

    /// The filters requests can carry (`--split`), by their query names.
    static let filters = ["channelId", "city", "country", "deviceName", "deviceType", "studioName", "contentId", "adTag"]

    static let deviceTypes = [
        "Desktop", "Media Player", "Mobile Phone", "Roku", "Smart TV", "TV", "Tablet", "Others",
    ]

    static let deviceNames = [
        "Apple OS X", "Windows Desktop", "Desktop", "Apple iPod", "Apple iPhone", "Samsung Mobile", "OthersMobile",
        "Roku", "Amazon Fire TV", "Google Chromecast", "Samsung TV", "Haier TV", "Hisense TV", "Philips TV",
        "Panasonic TV", "Vizio TV", "LG TV", "OthersTV", "Amazon Fire TV Stick", "Apple TV", "Set Top Box TV",
        "Apple iPad", "Samsung Tablet", "OthersTablet", "Others",
    ]

    static let countries = [
        "Afghanistan", "Albania", "Algeria", "American Samoa", "Andorra", "Angola", "Anguilla", "Antigua and Barbuda",
        "Argentina", "Armenia", "Aruba", "Australia", "Austria", "Azerbaijan", "Bahamas", "Bahrain", "Bangladesh",
        "Barbados", "Belarus", "Belgium", "Belize", "Benin", "Bermuda", "Bhutan", "Bolivia",
        "Bonaire Sint Eustatius and Saba", "Bosnia and Herzegovina", "Botswana", "Brazil",
        "British Indian Ocean Territory", "British Virgin Islands", "Brunei", "Bulgaria", "Burkina Faso", "Burundi",
        "Cabo Verde", "Cambodia", "Cameroon", "Canada", "Cayman Islands", "Central African Republic", "Chad", "Chile",
        "China", "Christmas Island", "Cocos Keeling Islands", "Colombia", "Comoros", "Congo Republic", "Cook Islands",
        "Costa Rica", "Croatia", "Cuba", "Curaao", "Cyprus", "Czechia", "Denmark", "Djibouti", "Dominica",
        "Dominican Republic", "DR Congo", "East Timor", "Ecuador", "Egypt", "El Salvador", "Equatorial Guinea",
        "Eritrea", "Estonia", "Eswatini", "Ethiopia", "Faroe Islands", "Federated States of Micronesia", "Fiji",
        "Finland", "France", "French Guiana", "French Polynesia", "Gabon", "Gambia", "Georgia", "Germany", "Ghana",
        "Gibraltar", "Greece", "Greenland", "Grenada", "Guadeloupe", "Guam", "Guatemala", "Guernsey", "Guinea",
        "Guinea-Bissau", "Guyana", "Haiti", "Honduras", "Hong Kong", "Hungary", "Iceland", "India", "Indonesia",
        "Iran", "Iraq", "Ireland", "Isle of Man", "Israel", "Italy", "Ivory Coast", "Jamaica", "Japan", "Jersey",
        "Jordan", "Kazakhstan", "Kenya", "Kosovo", "Kuwait", "Kyrgyzstan", "land", "Laos", "Latvia", "Lebanon",
        "Lesotho", "Liberia", "Libya", "Liechtenstein", "Lithuania", "Luxembourg", "Macao", "Madagascar", "Malawi",
        "Malaysia", "Maldives", "Mali", "Malta", "Marshall Islands", "Martinique", "Mauritania", "Mauritius",
        "Mayotte", "Mexico", "Moldova", "Mongolia", "Montenegro", "Montserrat", "Morocco", "Mozambique", "Myanmar",
        "Namibia", "Nepal", "Netherlands", "New Caledonia", "New Zealand", "Nicaragua", "Niger", "Nigeria",
        "Norfolk Island", "Northern Mariana Islands", "North Macedonia", "Norway", "Oman", "Pakistan", "Palau",
        "Palestine", "Panama", "Papua New Guinea", "Paraguay", "Peru", "Philippines", "Poland", "Portugal",
        "Principality of Monaco", "Puerto Rico", "Qatar", "Romania", "Runion", "Russia", "Rwanda", "Saint Barthlemy",
        "Saint Lucia", "Saint Martin", "Saint Pierre and Miquelon", "Saint Vincent and the Grenadines", "San Marino",
        "Saudi Arabia", "Senegal", "Serbia", "Seychelles", "Sierra Leone", "Singapore", "Sint Maarten", "Slovakia",
        "Slovenia", "Solomon Islands", "Somalia", "So Tom and Prncipe", "South Africa", "South Korea", "South Sudan",
        "Spain", "Sri Lanka", "St Kitts and Nevis", "Sudan", "Suriname", "Sweden", "Switzerland", "Syria", "Taiwan",
        "Tajikistan", "Tanzania", "Thailand", "Togo", "Tonga", "Trinidad and Tobago", "Tunisia", "Turkey",
        "Turkmenistan", "Turks and Caicos Islands", "Uganda", "Ukraine", "United Arab Emirates", "United Kingdom",
        "United States", "Uruguay", "U.S. Virgin Islands", "Uzbekistan", "Vanuatu", "Vatican City", "Venezuela",
        "Vietnam", "Yemen", "Zambia", "Zimbabwe",
    ]
}
