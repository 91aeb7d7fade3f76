import B24Core

/// Word pools for generated data, including the hostile text real portals contain.
enum SampleText {
    static let firstNames = [
        "Anna", "Boris", "Carla", "Dmitry", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Olga", "Pavel",
        "Мария", "Иван", "Светлана", "Noa", "Yusuf", "Zoë", "José", "Łukasz", "محمد", "דוד", "Ngọc", "Søren",
    ]
    static let lastNames = [
        "Ivanova", "Smith", "García", "Müller", "Kowalski", "Tanaka", "Nguyen", "O'Brien", "Petrov", "Rossi",
        "Сидоров", "Кузнецова", "Haddad", "Cohen", "Johansson", "D'Angelo", "van der Berg", "Øberg",
    ]
    static let positions = ["CEO", "CTO", "Buyer", "Procurement lead", "Office manager", "Founder", "Директор"]
    static let companyWords = [
        "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Ромашка", "Northwind",
    ]
    static let companySuffixes = ["LLC", "Ltd", "GmbH", "Inc", "ООО", "S.A."]
    static let titleWords = [
        "Website request", "Price inquiry", "Call back", "Demo request", "Trade show contact", "Webinar signup",
        "Заявка с сайта", "Partner referral", "Chat enquiry", "Quote request",
    ]
    static let comments = [
        "Wants a demo next week.", "Budget approved for Q3.", "Asked for a discount.", "Left a message.",
        "Клиент просил перезвонить", "Needs integration with 1C", "Follow up after the holidays.",
    ]
    /// Text that breaks naive exporters: tabs, newlines, backslashes, quotes, emoji, RTL, NUL, control bytes.
    static let hostile = [
        "tab\tseparated\tvalue",
        "multi\nline\r\ncomment\rwith CR",
        "C:\\path\\to\\file \\N \\t not escapes",
        "quotes ' \" ` and ''doubled''",
        "emoji 🚀🔥👩‍💻 and flags 🇩🇪",
        "right-to-left: שלום עולם و مرحبا بالعالم",
        "nul\u{0}byte inside",
        "control \u{1}\u{2}\u{7}\u{8}\u{B}\u{C}\u{1B}\u{7F} bytes",
        "<script>alert('x')</script> & <b>html</b>",
        "'; DROP TABLE dw.fact_lead; --",
        "\\.",
        "trailing backslash \\",
        "  leading and trailing spaces  ",
        "unicode escapes \\u0000 \\ud83d literal",
    ]
    static let productNames = [
        "CRM license (user/month)", "Onboarding package", "Training day", "Support plan Gold", "Support plan Silver",
        "Integration module", "Telephony minutes (1000)", "Storage 100 GB", "Consulting hour", "Hardware kit",
        "Лицензия «Профессиональный»", "Custom report", "Data migration", "SMS pack (500)", "Mobile app add-on",
    ]
    static let utmSources = ["google", "yandex", "facebook", "newsletter", "linkedin", "bing"]
    static let utmMediums = ["cpc", "email", "social", "organic", "referral"]
    static let utmCampaigns = ["spring_sale", "black_friday", "brand", "retargeting", "webinar_2025"]
}
