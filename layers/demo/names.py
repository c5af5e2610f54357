"""Names used by the demo city, in French and Arabic. The boulevards are real Casablanca streets
placed approximately; the grid streets borrow common Moroccan street names."""

from __future__ import annotations

# Named boulevards drawn from Place Mohammed V: (fr, ar, bearing in degrees clockwise from north,
# length in metres). Bearings are rough directions of the real streets.
RADIALS: list[tuple[str, str, float, float]] = [
    ("Boulevard Mohammed V", "شارع محمد الخامس", 105.0, 4500.0),
    ("Avenue des FAR", "شارع القوات المسلحة الملكية", 60.0, 1500.0),
    ("Boulevard d'Anfa", "شارع أنفا", 255.0, 4200.0),
    ("Boulevard Abdelmoumen", "شارع عبد المومن", 200.0, 7000.0),
    ("Route d'El Jadida", "طريق الجديدة", 225.0, 16000.0),
    ("Route de Médiouna", "طريق مديونة", 160.0, 14000.0),
    ("Boulevard Mohammed VI", "شارع محمد السادس", 180.0, 14000.0),
    ("Boulevard Chefchaouni", "شارع الشفشاوني", 70.0, 20000.0),
    ("Boulevard Moulay Youssef", "شارع مولاي يوسف", 285.0, 3000.0),
]

# Ring boulevards around the centre: (fr, ar, radius in metres).
RINGS: list[tuple[str, str, float]] = [
    ("Boulevard Zerktouni", "شارع الزرقطوني", 1800.0),
    ("Boulevard Ghandi", "شارع غاندي", 4200.0),
    ("Boulevard Al Qods", "شارع القدس", 8000.0),
]

CORNICHE = ("Boulevard de la Corniche", "شارع الكورنيش")
COAST_ROAD_EAST = ("Boulevard Moulay Slimane", "شارع مولاي سليمان")
MOTORWAY = ("Autoroute urbaine de Casablanca", "الطريق السيار الحضري للدار البيضاء")

# Grid boulevards and avenues, and the streets of the grid.
BOULEVARDS: list[tuple[str, str]] = [
    ("Boulevard Ibn Tachfine", "شارع ابن تاشفين"),
    ("Boulevard de la Résistance", "شارع المقاومة"),
    ("Boulevard Bir Anzarane", "شارع بئر أنزران"),
    ("Boulevard Al Massira Al Khadra", "شارع المسيرة الخضراء"),
    ("Boulevard Roudani", "شارع الروداني"),
    ("Boulevard Hassan II", "شارع الحسن الثاني"),
    ("Boulevard Rahal El Meskini", "شارع رحال المسكيني"),
    ("Boulevard Brahim Roudani", "شارع إبراهيم الروداني"),
    ("Boulevard Oued Sebou", "شارع واد سبو"),
    ("Boulevard Omar Ibn Khattab", "شارع عمر بن الخطاب"),
    ("Boulevard Al Fida", "شارع الفداء"),
    ("Boulevard El Hank", "شارع الهنك"),
    ("Boulevard Panoramique", "الشارع البانورامي"),
    ("Boulevard Oum Rabii", "شارع أم الربيع"),
    ("Boulevard Ali Yaâta", "شارع علي يعتة"),
    ("Boulevard Driss Lahrizi", "شارع إدريس الحريزي"),
    ("Boulevard Sidi Abderrahmane", "شارع سيدي عبد الرحمان"),
    ("Boulevard Moulay Ismaïl", "شارع مولاي إسماعيل"),
    ("Boulevard Yacoub El Mansour", "شارع يعقوب المنصور"),
    ("Boulevard Tantan", "شارع طانطان"),
]

STREETS: list[tuple[str, str]] = [
    ("Rue Ibn Batouta", "زنقة ابن بطوطة"),
    ("Rue Tarik Ibn Ziad", "زنقة طارق بن زياد"),
    ("Rue Ibnou Khaldoun", "زنقة ابن خلدون"),
    ("Rue Al Moutanabbi", "زنقة المتنبي"),
    ("Rue Ibn Rochd", "زنقة ابن رشد"),
    ("Rue Jean Jaurès", "زنقة جان جوريس"),
    ("Rue Allal Ben Abdellah", "زنقة علال بن عبد الله"),
    ("Rue Prince Moulay Abdallah", "زنقة الأمير مولاي عبد الله"),
    ("Rue Abou Bakr Seddik", "زنقة أبو بكر الصديق"),
    ("Rue Ahmed El Mokri", "زنقة أحمد المقري"),
    ("Rue Al Mouahidine", "زنقة الموحدين"),
    ("Rue Annaba", "زنقة عنابة"),
    ("Rue Azilal", "زنقة أزيلال"),
    ("Rue Chénier", "زنقة شينيي"),
    ("Rue de Tiznit", "زنقة تيزنيت"),
    ("Rue d'Agadir", "زنقة أكادير"),
    ("Rue de Fès", "زنقة فاس"),
    ("Rue de Larache", "زنقة العرائش"),
    ("Rue Ifrane", "زنقة إفران"),
    ("Rue Ibn Sina", "زنقة ابن سينا"),
    ("Rue Al Kadissia", "زنقة القادسية"),
    ("Rue Oued Ziz", "زنقة واد زيز"),
    ("Rue Mohamed Diouri", "زنقة محمد الديوري"),
    ("Rue Soumaya", "زنقة سمية"),
    ("Rue Al Banafsaj", "زنقة البنفسج"),
    ("Rue Al Yasmine", "زنقة الياسمين"),
    ("Rue Ennakhil", "زنقة النخيل"),
    ("Rue Al Amal", "زنقة الأمل"),
    ("Rue Assafa", "زنقة الصفاء"),
    ("Rue Al Mansour Eddahbi", "زنقة المنصور الذهبي"),
]

PARKS: list[tuple[str, str, str, float, float, float, float]] = [
    # (fr, ar, kind, u, v, width along u, depth along v) in the local frame, metres
    ("Parc de la Ligue Arabe", "حديقة الجامعة العربية", "park", -450.0, -900.0, 600.0, 480.0),
    ("Parc de l'Hermitage", "حديقة الإرميتاج", "park", 2400.0, -3000.0, 450.0, 360.0),
    ("Parc Sindibad", "حديقة سندباد", "park", -8400.0, 600.0, 750.0, 480.0),
    ("Jardin Yasmina", "حديقة ياسمينة", "garden", -1500.0, -300.0, 300.0, 240.0),
    ("Parc de Sidi Moumen", "منتزه سيدي مومن", "park", 10500.0, -5400.0, 900.0, 600.0),
    ("Forêt urbaine de Hay Hassani", "الغابة الحضرية للحي الحسني", "urban_forest",
     -6600.0, -6600.0, 1200.0, 960.0),
    ("Parc de Aïn Chock", "حديقة عين الشق", "park", -2400.0, -6000.0, 600.0, 480.0),
]  # fmt: skip

EPONYMS: list[tuple[str, str]] = [
    ("Ibn Khaldoun", "ابن خلدون"),
    ("Al Massira", "المسيرة"),
    ("Ibn Sina", "ابن سينا"),
    ("Al Farabi", "الفارابي"),
    ("Lalla Aïcha", "للا عائشة"),
    ("Moulay Idriss", "مولاي إدريس"),
    ("Al Khawarizmi", "الخوارزمي"),
    ("Abdelkrim Al Khattabi", "عبد الكريم الخطابي"),
    ("Oum Keltoum", "أم كلثوم"),
    ("Al Andalous", "الأندلس"),
    ("Ibn Toufail", "ابن طفيل"),
    ("Fatima Al Fihriya", "فاطمة الفهرية"),
    ("Al Idrissi", "الإدريسي"),
    ("Anoual", "أنوال"),
    ("Ibn Al Haytam", "ابن الهيثم"),
    ("Al Wahda", "الوحدة"),
]

# Facility kinds: (kind, French prefix, Arabic prefix, opening hours)
FACILITY_KINDS: list[tuple[str, str, str, str]] = [
    ("school", "École primaire", "مدرسة", "Mo-Fr 08:00-17:00; Sa 08:00-12:00"),
    ("school", "Collège", "إعدادية", "Mo-Fr 08:00-18:00"),
    ("school", "Lycée", "ثانوية", "Mo-Fr 08:00-18:00"),
    ("sports_ground", "Terrain de proximité", "ملعب القرب", "Mo-Su 08:00-22:00"),
    ("sports_ground", "Complexe sportif", "مركب رياضي", "Mo-Su 07:00-22:00"),
    ("cultural_venue", "Centre culturel", "مركز ثقافي", "Tu-Su 10:00-19:00"),
    ("cultural_venue", "Bibliothèque municipale", "خزانة بلدية", "Mo-Sa 09:00-19:00"),
    ("coworking", "Espace de coworking", "فضاء العمل المشترك", "Mo-Fr 08:00-20:00"),
    ("health", "Centre de santé", "مركز صحي", "Mo-Fr 08:00-16:30"),
    ("market", "Marché municipal", "سوق بلدي", "Mo-Su 07:00-14:00"),
    ("administration", "Annexe administrative", "ملحقة إدارية", "Mo-Fr 08:30-16:30"),
]

TREE_SPECIES: list[str] = [
    "Washingtonia robusta",
    "Phoenix canariensis",
    "Ficus microcarpa",
    "Jacaranda mimosifolia",
    "Tipuana tipu",
    "Brachychiton populneus",
    "Schinus molle",
    "Olea europaea",
    "Eucalyptus camaldulensis",
    "Melia azedarach",
]

REPORT_TEXTS: dict[str, str] = {
    "pothole": "Nid-de-poule sur la chaussée, dangereux pour les deux-roues.",
    "broken_light": "Lampadaire éteint depuis plusieurs nuits.",
    "illegal_dumping": "Dépôt sauvage de gravats sur le trottoir.",
    "damaged_pavement": "Trottoir dégradé, dalles descellées.",
    "other": "Plaque d'égout manquante.",
}
