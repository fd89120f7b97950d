"""The raw material of the demo province: unit specifications, place names and Vietnamese names.

Kept apart from ``lms.demo`` (which turns it into rows) so that the lists can grow without
touching the logic. Every figure that must match the 2019 article lives here, next to its source
(DOMAIN.md section 1): 10 upper-level unions, 769 grassroots unions, 2,701 cadres of whom 41 are
full-time, 63,5% university or higher (1,715), 7,7% cao cấp / cử nhân (208), 18,6% trung cấp (502).

The province is the one of today: after the 2025 merger the Bắc Kạn federation of the article is
part of the Liên đoàn Lao động tỉnh Thái Nguyên (DOMAIN.md section 2), so places come from both.
Companies are invented; any likeness to a real firm is chance.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# -- the article's figures -------------------------------------------------------------------------

UPPER_UNIONS_TOTAL = 10
GRASSROOTS_TOTAL = 769
CADRES_TOTAL = 2701
FULL_TIME_TOTAL = 41
UNIVERSITY_OR_HIGHER_TOTAL = 1715  # 63,5%
POLITICAL_ADVANCED_TOTAL = 208  # cao cấp / cử nhân, 7,7%
POLITICAL_INTERMEDIATE_TOTAL = 502  # trung cấp, 18,6%

TERM = "2023–2028"

# -- places ------------------------------------------------------------------------------------------

Place = tuple[str, str]  # (kind: "xã" | "phường" | "thị trấn", name)


def _places(kind: str, names: str) -> tuple[Place, ...]:
    return tuple((kind, name.strip()) for name in names.split(",") if name.strip())


PLACES_THAI_NGUYEN_CITY = _places("phường", (
    "Phan Đình Phùng, Hoàng Văn Thụ, Trưng Vương, Túc Duyên, Đồng Quang, Quang Trung, Gia Sàng, Tân Lập, "
    "Tân Thịnh, Quang Vinh, Thịnh Đán, Tân Long, Quan Triều, Tích Lương, Hương Sơn, Cam Giá, Phú Xá, "
    "Trung Thành, Tân Thành, Đồng Bẩm"
)) + _places("xã", "Quyết Thắng, Phúc Hà, Phúc Xuân, Phúc Trìu, Tân Cương, Thịnh Đức, Cao Ngạn, Sơn Cẩm")

PLACES_PHO_YEN = _places("phường", (
    "Ba Hàng, Bãi Bông, Bắc Sơn, Đồng Tiến, Hồng Tiến, Tân Hương, Nam Tiến, Tiên Phong, Đắc Sơn, Đông Cao, "
    "Thuận Thành, Tân Phú, Thắng Lợi, Phố Cò, Cải Đan, Mỏ Chè, Lương Sơn, Bách Quang, Châu Sơn"
)) + _places("xã", "Phúc Thuận, Minh Đức, Thành Công, Vạn Phái, Phúc Tân, Bình Sơn, Vinh Sơn")

PLACES_BAC_KAN = _places("phường", (
    "Đức Xuân, Nguyễn Thị Minh Khai, Sông Cầu, Phùng Chí Kiên, Huyền Tụng, Xuất Hóa"
)) + _places("thị trấn", "Phủ Thông, Đồng Tâm") + _places("xã", (
    "Dương Quang, Nông Thượng, Cẩm Giàng, Quân Hà, Nguyên Phúc, Lục Bình, Tân Tú, Sỹ Bình, Vũ Muộn, Cao Sơn, "
    "Quang Thuận, Đôn Phong, Mỹ Thanh, Yên Đĩnh, Thanh Mai, Như Cố, Bình Văn, Quảng Chu, Nông Hạ, Thanh Thịnh, "
    "Cao Kỳ, Hòa Mục, Yên Hân, Thanh Vận, Mai Lạp"
))

PLACES_DAI_TU = _places("thị trấn", "Hùng Sơn, Quân Chu") + _places("xã", (
    "Cù Vân, Hà Thượng, Tân Thái, Phục Linh, Bản Ngoại, La Bằng, Yên Lãng, Phú Xuyên, Văn Yên, Ký Phú, Mỹ Yên, "
    "Tiên Hội, Hoàng Nông, Minh Tiến, Phú Lạc, Phú Thịnh, Phú Cường, Na Mao, Đức Lương, Phúc Lương, Lục Ba, "
    "Vạn Thọ, Cát Nê, An Khánh, Khôi Kỳ, Bình Thuận"
))

PLACES_CHO_DON = _places("thị trấn", "Bằng Lũng") + _places("xã", (
    "Yên Thịnh, Bản Thi, Ngọc Phái, Phương Viên, Đồng Thắng, Đông Viên, Bình Trung, Nghĩa Tá, Lương Bằng, "
    "Yên Phong, Quảng Bạch, Nam Cường, Xuân Lạc, Đại Sảo, Bằng Lãng, Yên Mỹ, Bằng Phúc, Yên Thượng"
))

PLACES_BA_BE = _places("thị trấn", "Chợ Rã") + _places("xã", (
    "Thượng Giáo, Địa Linh, Hà Hiệu, Nam Mẫu, Khang Ninh, Cao Thượng, Quảng Khê, Bành Trạch, Phúc Lộc, "
    "Yến Dương, Mỹ Phương, Chu Hương, Hoàng Trĩ, Cao Trĩ, Đồng Phúc, Bộc Bố, Nghiên Loan, Nhạn Môn, "
    "Bằng Thành, Cao Tân, Xuân La, An Thắng, Công Bằng"
))

# The districts of before 2025 with no ward or commune union of their own in the demo: their schools
# and health stations belong to the sectoral unions (education, health).
PLACES_OTHER = _places("thị trấn", "Chợ Chu, Đình Cả, Đu, Giang Tiên, Trại Cau, Hương Sơn, Yến Lạc, Vân Tùng, Nà Phặc") + _places("xã", (
    "Bảo Cường, Trung Hội, Phú Đình, Điềm Mặc, Bình Thành, Kim Phượng, Phượng Tiến, Tân Dương, Bộc Nhiêu, "
    "Sơn Phú, Lam Vỹ, Thanh Định, Định Biên, Quy Kỳ, Linh Thông, La Hiên, Lâu Thượng, Phú Thượng, Tràng Xá, "
    "Dân Tiến, Bình Long, Phương Giao, Cúc Đường, Thần Sa, Nghinh Tường, Sảng Mộc, Vũ Chấn, Liên Minh, "
    "Yên Ninh, Yên Trạch, Yên Đổ, Yên Lạc, Động Đạt, Phấn Mễ, Vô Tranh, Tức Tranh, Phú Đô, Hợp Thành, "
    "Ôn Lương, Phủ Lý, Cổ Lũng, Hóa Thượng, Hóa Trung, Nam Hòa, Khe Mo, Văn Hán, Văn Lăng, Quang Sơn, "
    "Minh Lập, Cây Thị, Hợp Tiến, Úc Kỳ, Nhã Lộng, Điềm Thụy, Xuân Phương, Kha Sơn, Dương Thành, Thanh Ninh, "
    "Lương Phú, Tân Đức, Tân Kim, Tân Hòa, Bàn Đạt, Đào Xá, Bảo Lý, Thượng Đình, Hà Châu, Nga My, Tân Khánh, "
    "Kim Hỷ, Lạng San, Lương Thượng, Văn Lang, Côn Minh, Cư Lễ, Quang Phong, Dương Sơn, Xuân Dương, "
    "Đổng Xá, Liêm Thủy, Sơn Thành, Bằng Vân, Cốc Đán, Thượng Quan, Đức Vân, Thuần Mang, Hiệp Lực, "
    "Trung Hòa, Thượng Ân"
))

# -- unit name patterns (``{kind}`` and ``{name}`` are a place's) -------------------------------------

SCHOOLS = ("Trường Mầm non {name}", "Trường Tiểu học {name}", "Trường Trung học cơ sở {name}")
LOCAL_PUBLIC = SCHOOLS + ("Trạm Y tế {kind} {name}", "Ủy ban nhân dân {kind} {name}")
HEALTH_STATIONS = ("Trạm Y tế {kind} {name}",)
COOPERATIVES = ("Hợp tác xã Chè {name}", "Hợp tác xã Dịch vụ nông nghiệp {name}", "Quỹ tín dụng nhân dân {name}")

COMPANY_FORMS = ("Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV")
LOCAL_INDUSTRIES = (
    "Xây dựng", "Thương mại", "Vật liệu xây dựng", "Cơ khí", "May", "Chè", "Khoáng sản", "Vận tải",
    "Thực phẩm", "Chế biến gỗ", "Du lịch", "Môi trường", "Điện lực", "Nước sạch", "Dược phẩm", "In",
)
LOCAL_BRANDS = (
    "Hoàng Long", "Minh Phát", "Thành Công", "Phú Cường", "Tân Thành", "Hưng Thịnh", "An Khánh", "Đông Á",
    "Việt Bắc", "Thái Hưng", "Sông Cầu", "Núi Cốc", "Tam Đảo", "Gia Bảo", "Hà Phát", "Trường Sơn",
    "Phương Nam", "Kim Long", "Thiên Phúc", "Bảo An", "Đại Phát", "Hồng Hà", "Tiến Đạt", "Quang Minh",
    "Thái Sơn", "Ba Bể", "Phia Đén", "Hoàng Gia", "Nam Việt", "Đức Thịnh",
)
PARK_FORMS = ("Công ty TNHH {industry} {brand} Việt Nam", "Công ty TNHH {brand} Vina", "Công ty TNHH {industry} {brand}")
PARK_INDUSTRIES = ("Điện tử", "Linh kiện điện tử", "Cơ khí chính xác", "May mặc", "Bao bì", "Nhựa", "Công nghệ", "Vật liệu mới")
PARK_BRANDS = (
    "Daeyoung", "Hanwoo", "Seojin", "Myungjin", "Sungho", "Jinwoo", "Kyowa", "Tohmei", "Shinsei", "Haesung",
    "Dongbang", "Woojin", "Yuwon", "Kangnam", "Samhwa", "Hyosan", "Misung", "Nichiyo", "Taekwang", "Boram",
)

# -- the tree ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UpperSpec:
    """One upper-level union and how to generate the grassroots unions under it.

    ``track`` is the union's own sector (None = both: a ward or commune union); ``business_share``
    says how many of its grassroots unions are companies; ``fixed_public`` names come first.
    """

    code: str
    name: str
    track: str | None
    active_from: dt.date
    congress_on: dt.date
    grassroots: int
    business_share: float
    places: tuple[Place, ...] = ()
    public_patterns: tuple[str, ...] = ()
    fixed_public: tuple[str, ...] = ()
    industrial_park: bool = False


FEDERATION_CODE = "LDLD-TN"
FEDERATION_NAME = "Liên đoàn Lao động tỉnh Thái Nguyên"
FEDERATION_ACTIVE_FROM = dt.date(1997, 1, 1)  # Thái Nguyên and Bắc Kạn re-established from Bắc Thái
FEDERATION_CONGRESS_ON = dt.date(2023, 8, 10)
WARD_UNIONS_FROM = dt.date(2025, 7, 1)  # commune and ward unions replace the district federations

_THPT = tuple(f"Trường Trung học phổ thông {n}" for n in (
    "Chuyên Thái Nguyên", "Lương Ngọc Quyến", "Chu Văn An", "Gang Thép", "Ngô Quyền", "Dương Tự Minh",
    "Khánh Hòa", "Đồng Hỷ", "Trại Cau", "Phú Lương", "Định Hóa", "Bình Yên", "Võ Nhai", "Trần Phú",
    "Phú Bình", "Lương Phú", "Điềm Thụy", "Đại Từ", "Lưu Nhân Chú", "Nguyễn Huệ", "Phổ Yên", "Lê Hồng Phong",
    "Bắc Sơn", "Sông Công", "Chuyên Bắc Kạn", "Bắc Kạn", "Ba Bể", "Quảng Khê", "Chợ Đồn", "Bình Trung",
    "Chợ Mới", "Yên Hân", "Na Rì", "Ngân Sơn", "Nà Phặc", "Phủ Thông", "Bộc Bố",
)) + (
    "Trường Phổ thông Dân tộc nội trú tỉnh Thái Nguyên", "Trường Phổ thông Dân tộc nội trú tỉnh Bắc Kạn",
    "Trường Cao đẳng Sư phạm Thái Nguyên", "Trường Cao đẳng Bắc Kạn", "Văn phòng Sở Giáo dục và Đào tạo",
    "Trung tâm Giáo dục thường xuyên tỉnh", "Trung tâm Ngoại ngữ - Tin học tỉnh",
)

_HEALTH = (
    "Bệnh viện Đa khoa tỉnh Bắc Kạn", "Bệnh viện A Thái Nguyên", "Bệnh viện C Thái Nguyên",
    "Bệnh viện Lao và Bệnh phổi Thái Nguyên", "Bệnh viện Tâm thần Thái Nguyên", "Bệnh viện Y học cổ truyền Thái Nguyên",
    "Bệnh viện Phục hồi chức năng Thái Nguyên", "Bệnh viện Đa khoa Phú Bình", "Bệnh viện Đa khoa Đại Từ",
    "Trung tâm Kiểm soát bệnh tật tỉnh", "Trung tâm Kiểm nghiệm thuốc, mỹ phẩm, thực phẩm",
    "Trung tâm Giám định y khoa tỉnh", "Trung tâm Pháp y tỉnh", "Văn phòng Sở Y tế", "Chi cục Dân số",
    "Chi cục An toàn vệ sinh thực phẩm", "Trường Cao đẳng Y tế Thái Nguyên",
) + tuple(f"Trung tâm Y tế {n}" for n in (
    "huyện Định Hóa", "huyện Võ Nhai", "huyện Phú Lương", "huyện Đồng Hỷ", "huyện Phú Bình", "huyện Đại Từ",
    "thành phố Phổ Yên", "thành phố Sông Công", "thành phố Thái Nguyên", "huyện Ba Bể", "huyện Chợ Đồn",
    "huyện Chợ Mới", "huyện Bạch Thông", "huyện Na Rì", "huyện Ngân Sơn", "huyện Pác Nặm", "thành phố Bắc Kạn",
))

_PROVINCIAL_AGENCIES = tuple(f"Sở {n}" for n in (
    "Tài chính", "Nội vụ", "Tư pháp", "Công Thương", "Nông nghiệp và Môi trường", "Xây dựng",
    "Khoa học và Công nghệ", "Văn hóa, Thể thao và Du lịch", "Dân tộc và Tôn giáo", "Ngoại vụ",
)) + (
    "Văn phòng Ủy ban nhân dân tỉnh", "Văn phòng Đoàn Đại biểu Quốc hội và Hội đồng nhân dân tỉnh",
    "Văn phòng Tỉnh ủy", "Ban Tổ chức Tỉnh ủy", "Ban Tuyên giáo và Dân vận Tỉnh ủy", "Ủy ban Kiểm tra Tỉnh ủy",
    "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "Thanh tra tỉnh", "Trường Chính trị tỉnh", "Báo và Phát thanh, Truyền hình Thái Nguyên",
    "Hội Nông dân tỉnh", "Hội Liên hiệp Phụ nữ tỉnh", "Tỉnh đoàn", "Liên minh Hợp tác xã tỉnh", "Hội Chữ thập đỏ tỉnh",
    "Liên hiệp các Hội Văn học nghệ thuật tỉnh", "Hội Cựu chiến binh tỉnh", "Ban Quản lý các Khu công nghiệp tỉnh",
    "Ban Quản lý dự án đầu tư xây dựng tỉnh", "Ban Quản lý Khu du lịch Hồ Núi Cốc", "Ban Quản lý Vườn quốc gia Ba Bể",
    "Ban Quản lý rừng phòng hộ Chợ Mới", "Ban Quản lý rừng đặc dụng Kim Hỷ", "Bảo tàng Văn hóa các dân tộc Việt Nam",
    "Thư viện tỉnh", "Trung tâm Văn hóa nghệ thuật tỉnh", "Trung tâm Huấn luyện và Thi đấu thể dục thể thao tỉnh",
    "Trung tâm Phục vụ hành chính công tỉnh", "Trung tâm Dịch vụ việc làm tỉnh", "Trung tâm Công tác xã hội tỉnh",
    "Trung tâm Khuyến nông tỉnh", "Trung tâm Quan trắc tài nguyên và môi trường", "Văn phòng Đăng ký đất đai tỉnh",
    "Chi cục Kiểm lâm", "Chi cục Thủy lợi", "Chi cục Trồng trọt và Bảo vệ thực vật", "Chi cục Chăn nuôi và Thú y",
    "Chi cục Tiêu chuẩn Đo lường Chất lượng", "Trung tâm Xúc tiến thương mại tỉnh", "Trung tâm Lưu trữ lịch sử tỉnh",
    "Trung tâm Trợ giúp pháp lý nhà nước tỉnh", "Phòng Công chứng số 1", "Trung tâm Đăng kiểm xe cơ giới",
    "Quỹ Đầu tư phát triển tỉnh", "Trung tâm Nước sạch và Vệ sinh môi trường nông thôn",
    "Trung tâm Bảo trợ xã hội tỉnh", "Cơ sở cai nghiện ma túy tỉnh", "Làng Trẻ em SOS Thái Nguyên",
    "Trường Cao đẳng Công nghệ và Kinh tế Bắc Kạn", "Trường Cao đẳng Công nghiệp Thái Nguyên",
    "Trường Cao đẳng Thương mại và Du lịch", "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng",
    "Đài Khí tượng thủy văn tỉnh", "Hội Người mù tỉnh", "Hội Luật gia tỉnh", "Hội Khuyến học tỉnh",
    "Liên hiệp các Hội Khoa học và Kỹ thuật tỉnh", "Ban Đại diện Hội Người cao tuổi tỉnh",
    "Trung tâm Phát triển quỹ đất tỉnh", "Trung tâm Công nghệ thông tin và Truyền thông",
)

UPPER_UNIONS: tuple[UpperSpec, ...] = (
    UpperSpec("CD-KCN", "Công đoàn các Khu công nghiệp tỉnh", "business", dt.date(2006, 3, 15), dt.date(2023, 5, 18),
              120, 1.0, industrial_park=True),
    UpperSpec("CD-VC", "Công đoàn Viên chức tỉnh", "public", dt.date(2010, 9, 1), dt.date(2023, 5, 25),
              70, 0.0, fixed_public=_PROVINCIAL_AGENCIES),
    UpperSpec("CD-GD", "Công đoàn ngành Giáo dục", "public", dt.date(1997, 4, 1), dt.date(2023, 6, 8),
              150, 0.0, places=PLACES_OTHER, public_patterns=SCHOOLS, fixed_public=_THPT),
    UpperSpec("CD-YT", "Công đoàn ngành Y tế", "public", dt.date(1997, 4, 1), dt.date(2023, 6, 15),
              45, 0.0, places=PLACES_OTHER, public_patterns=HEALTH_STATIONS, fixed_public=_HEALTH),
    UpperSpec("CD-PDP", "Công đoàn phường Phan Đình Phùng", None, WARD_UNIONS_FROM, WARD_UNIONS_FROM,
              80, 0.5, places=PLACES_THAI_NGUYEN_CITY, public_patterns=LOCAL_PUBLIC),
    UpperSpec("CD-PY", "Công đoàn phường Phổ Yên", None, WARD_UNIONS_FROM, WARD_UNIONS_FROM,
              85, 0.6, places=PLACES_PHO_YEN, public_patterns=LOCAL_PUBLIC),
    UpperSpec("CD-BK", "Công đoàn phường Bắc Kạn", None, WARD_UNIONS_FROM, WARD_UNIONS_FROM,
              60, 0.35, places=PLACES_BAC_KAN, public_patterns=LOCAL_PUBLIC),
    UpperSpec("CD-DT", "Công đoàn xã Đại Từ", None, WARD_UNIONS_FROM, WARD_UNIONS_FROM,
              60, 0.35, places=PLACES_DAI_TU, public_patterns=LOCAL_PUBLIC),
    UpperSpec("CD-CD", "Công đoàn xã Chợ Đồn", None, WARD_UNIONS_FROM, WARD_UNIONS_FROM,
              50, 0.3, places=PLACES_CHO_DON, public_patterns=LOCAL_PUBLIC),
    UpperSpec("CD-BB", "Công đoàn xã Ba Bể", None, WARD_UNIONS_FROM, WARD_UNIONS_FROM,
              49, 0.3, places=PLACES_BA_BE, public_patterns=LOCAL_PUBLIC),
)

# -- people -----------------------------------------------------------------------------------------

# (name, weight): the national pattern, plus the Tày, Nùng and Dao family names of the northern
# mountains (Hoàng, Nông, Triệu, Ma, Lường, Bế, Lục…), common in Thái Nguyên and Bắc Kạn.
FAMILY_NAMES: tuple[tuple[str, int], ...] = (
    ("Nguyễn", 26), ("Trần", 7), ("Lê", 6), ("Phạm", 4), ("Hoàng", 8), ("Vũ", 3), ("Đặng", 3), ("Bùi", 2),
    ("Đỗ", 3), ("Hồ", 1), ("Ngô", 2), ("Dương", 3), ("Lý", 2), ("Hà", 3), ("Nông", 4), ("Triệu", 2),
    ("Lường", 1), ("Ma", 2), ("Lục", 1), ("Bế", 1), ("Đàm", 1), ("Lăng", 1), ("Hứa", 1), ("Đinh", 2),
    ("Lương", 2), ("Trương", 1), ("Phan", 1), ("Mạc", 1), ("Chu", 1), ("Tạ", 1),
)
MIDDLE_NAMES = {
    "female": (("Thị", 55), ("Thu", 6), ("Ngọc", 5), ("Thanh", 5), ("Minh", 4), ("Hồng", 4), ("Thùy", 3),
               ("Phương", 3), ("Kim", 3), ("Mai", 2), ("Bích", 2), ("Hải", 2), ("Quỳnh", 2), ("Khánh", 2), ("Diệu", 1)),
    "male": (("Văn", 50), ("Đức", 8), ("Minh", 7), ("Quang", 5), ("Mạnh", 4), ("Xuân", 4), ("Hữu", 4), ("Trung", 3),
             ("Công", 3), ("Ngọc", 3), ("Thanh", 3), ("Tiến", 2), ("Đình", 3), ("Quốc", 3), ("Việt", 2), ("Tuấn", 1)),
}
GIVEN_NAMES = {
    "female": (
        "Hoa", "Lan", "Hương", "Hằng", "Huyền", "Nga", "Hà", "Thảo", "Trang", "Thủy", "Mai", "Linh", "Phương",
        "Loan", "Dung", "Yến", "Nhung", "Hạnh", "Hiền", "Ngọc", "Vân", "Oanh", "Thơm", "Liên", "Tuyết", "Ánh",
        "Giang", "Bích", "Chi", "Quỳnh", "Thúy", "Nhàn", "Hậu", "Lệ", "Thu", "Anh", "Duyên", "Hồng", "Lý", "Xuân",
    ),
    "male": (
        "Minh", "Hùng", "Dũng", "Tuấn", "Hải", "Thắng", "Cường", "Quân", "Long", "Sơn", "Nam", "Bình", "Hưng",
        "Thành", "Trung", "Đức", "Tùng", "Huy", "Hiếu", "Khánh", "Phong", "Toàn", "Kiên", "Lâm", "Vinh", "Thịnh",
        "Hoàng", "Chiến", "Tú", "Việt", "Hòa", "Quang", "Đạt", "Tiến", "Thái", "Hiển", "Lợi", "Tâm", "Phúc", "An",
    ),
}

# Where the logins sit: ``union`` administers the industrial parks' union, ``cadre`` chairs a company
# union under it; ``cadre2`` sits in a public-sector union under the education union.
UNION_LOGIN_UPPER = "CD-KCN"
CADRE2_LOGIN_UPPER = "CD-GD"

# The two demo learners, named so that they are easy to find in lists and searches.
CADRE_LOGIN_NAME = ("Nguyễn Thị Hoa", "female")
CADRE2_LOGIN_NAME = ("Hoàng Văn Minh", "male")
