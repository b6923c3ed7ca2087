"""Demo customers: service offices, customers, their sites and contacts."""

from __future__ import annotations

from aftersales.customers.models import Customer, ServiceOffice, Site
from aftersales.customers.phones import normalise_phone
from aftersales.demo.base import LoaderBase

# fmt: off
# (name, city, phone)
OFFICES = [
    ("上海服务中心", "上海", "021-6288 1000"),
    ("北京服务中心", "北京", "010-8523 6600"),
    ("广州服务中心", "广州", "020-3878 5100"),
    ("深圳服务站", "深圳", "0755-8663 2200"),
]

# (code, name, short name, kind, key account, e-mail domains, notes)
CUSTOMERS = [
    ("telecom", "某市电信分公司", "市电信", "operator", True, "telecom-sh.example", "省级重点客户，核心网及计费系统 7×24 保障。"),
    ("hospital", "上海市第六人民医院", "六院", "hospital", True, "sixth-hospital.example", "门诊、急诊通信不可中断，A 级故障 30 分钟到场。"),
    ("bank", "某银行上海分行", "银行上海分行", "bank", True, "bank-sh.example,cs.bank-sh.example", "变更须走客户变更审批流程。"),
    ("gov", "北京市某区政务服务中心", "区政务中心", "government", False, "gov-bj.example", ""),
    ("logistics", "广州某物流集团有限公司", "物流集团", "enterprise", False, "logistics-gz.example", "保外设备较多，维修前需客户确认报价。"),
]

# (customer, name, position, mobile, phone, e-mail, customer's manager, portal username)
CONTACTS = [
    ("telecom", "马建华", "网络运维部主任", "138 1600 2231", "021-6431 8800", "majh@telecom-sh.example", True, "telecom"),
    ("telecom", "韩雪", "交换机房值班长", "+86 139 1702 5566", "021 6431 8812", "hanx@telecom-sh.example", False, ""),
    ("telecom", "邓伟", "计费中心工程师", "186-2178-3345", "(021) 6431 8830", "dengw@telecom-sh.example", False, ""),
    ("hospital", "陆文斌", "信息科科长", "139 1888 6021", "021-6436 9181", "luwb@sixth-hospital.example", True, "hospital"),
    ("hospital", "徐静", "信息科工程师", "13761234580", "+86 21 6436 9182", "xuj@sixth-hospital.example", False, "hospital2"),
    ("hospital", "林芳", "门诊部护士长", "150 2166 3377", "021-6436 9000 转 3105", "", False, ""),
    ("bank", "高志远", "信息技术部总经理", "135 0172 8890", "021-5888 6600", "gaozy@bank-sh.example", True, "bank"),
    ("bank", "沈佳", "网络管理员", "0086 187 2166 4012", "021-5888 6631", "shenj@bank-sh.example", False, ""),
    ("bank", "曹磊", "客服中心运营主管", "152-2168-7735", "021 5080 9900", "caol@cs.bank-sh.example", False, ""),
    ("gov", "王建国", "信息中心主任", "139 1123 4567", "010-6551 2200", "wangjg@gov-bj.example", True, "gov"),
    ("gov", "李娜", "网络管理员", "+86 136 0110 2288", "(010) 6551 2236", "lin@gov-bj.example", False, ""),
    ("logistics", "黄俊", "IT 部经理", "137 2800 1166", "020-3722 5500", "huangj@logistics-gz.example", True, "logistics"),
    ("logistics", "梁晓东", "深圳分拨中心 IT 专员", "189 2655 0420", "0755 2961 3300", "liangxd@logistics-gz.example", False, ""),
]

# (key, customer, name, address, region, nearest office, phone)
SITES = [
    ("tel-hub", "telecom", "枢纽楼机房", "上海市徐汇区漕溪北路 201 号 5 楼", "上海", "上海服务中心", "021-6431 8810"),
    ("tel-pd", "telecom", "浦东数据中心", "上海市浦东新区张江路 665 号", "上海", "上海服务中心", "021-5080 1200"),
    ("tel-jd", "telecom", "嘉定汇聚机房", "上海市嘉定区城中路 138 号", "上海", "上海服务中心", ""),
    ("hosp-mz", "hospital", "门诊楼机房", "上海市徐汇区宜山路 600 号门诊楼 B1", "上海", "上海服务中心", "021-6436 9000"),
    ("hosp-zy", "hospital", "住院部弱电间", "上海市徐汇区宜山路 600 号住院部 3 楼", "上海", "上海服务中心", ""),
    ("hosp-ny", "hospital", "南院区机房", "上海市浦东新区临港新城环湖西一路 222 号", "上海", "上海服务中心", "021-3829 7000"),
    ("bank-dc", "bank", "分行数据中心", "上海市浦东新区银城中路 88 号 B2", "上海", "上海服务中心", "021-5888 6699"),
    ("bank-ljz", "bank", "陆家嘴营业部", "上海市浦东新区陆家嘴环路 1000 号 1 楼", "上海", "上海服务中心", "021-5888 1001"),
    ("bank-zj", "bank", "张江客服中心", "上海市浦东新区碧波路 690 号", "上海", "上海服务中心", "021 5080 9900"),
    ("gov-zl", "gov", "政务服务中心主楼机房", "北京市朝阳区东三环中路 5 号主楼 4 层", "北京", "北京服务中心", "010-6551 2200"),
    ("gov-zb", "gov", "政务云灾备机房", "北京市海淀区中关村软件园 10 号楼", "北京", "北京服务中心", ""),
    ("log-gz", "logistics", "广州总部机房", "广州市天河区珠江新城华夏路 30 号 18 楼", "广州", "广州服务中心", "020-3722 5500"),
    ("log-sz", "logistics", "深圳分拨中心", "深圳市宝安区福永街道凤凰工业区 8 栋", "深圳", "深圳服务站", "0755-2961 3300"),
    ("log-by", "logistics", "白云仓储中心", "广州市白云区太和镇北太路 1633 号", "广州", "广州服务中心", ""),
]

# For cases with no equipment: the site whose region decides the L1 team.
SITE_OF_CUSTOMER = {
    "telecom": "tel-hub",
    "hospital": "hosp-mz",
    "bank": "bank-dc",
    "gov": "gov-zl",
    "logistics": "log-gz",
}
# fmt: on


def portal_logins() -> list[tuple[str, str, str]]:
    """(username, display name, customer code) of the customers' portal users."""
    short = {code: short_name for code, _name, short_name, *_rest in CUSTOMERS}
    return [(user, f"{name}（{short[cust]}）", cust) for cust, name, *_mid, user in CONTACTS if user]


class CustomersLoader(LoaderBase):
    def load_offices_and_customers(self) -> None:
        for name, city, phone in OFFICES:
            self.offices[name] = self._get_or_create(
                ServiceOffice, "service offices", name=name, defaults={"city": city, "phone": phone}
            )
        for code, name, short, kind, key, domains, notes in CUSTOMERS:
            defaults = {"name": name, "short_name": short, "kind": kind, "is_key_account": key}
            defaults |= {"email_domains": domains, "notes": notes}
            self.customers[code] = self._get_or_create(Customer, "customers", code=code, defaults=defaults)

    def load_sites(self) -> None:
        for key, customer, name, address, region, office, phone in SITES:
            defaults = {"address": address, "region": region, "service_office": self.offices[office]}
            defaults["phone"] = normalise_phone(phone) if phone else ""  # Site.save does not normalise
            self.sites[key] = self._get_or_create(
                Site, "sites", customer=self.customers[customer], name=name, defaults=defaults
            )
