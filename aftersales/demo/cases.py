"""Demo cases and consultations, opened in time order and worked through the case services."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple

from django.utils import timezone

from aftersales.accounts.models import User
from aftersales.cases import services
from aftersales.cases.models import Case, Status
from aftersales.demo.customers import CUSTOMERS, SITE_OF_CUSTOMER
from aftersales.demo.history import settle_the_past
from aftersales.demo.people import ENGINEER_BY_TEAM, L1_TEAM_BY_REGION, TEAM_BY_TIER
from aftersales.sla.models import SuspensionRequest

if TYPE_CHECKING:
    from aftersales.demo.loading import DemoLoader


# fmt: off
class CaseSpec(NamedTuple):
    """One demo case. `note` is the text of the last step: the resolution of a resolved,
    closed or reopened case, the reason of a waiting, suspended or cancelled one, and an
    internal note otherwise."""

    key: str
    customer: str
    host: str | None
    kind: str
    severity: str
    channel: str
    target: str
    title: str
    description: str
    note: str = ""
    tier: str = ""  # escalated to this tier after L1 started
    resize: tuple[str, str] | None = None  # (new severity, reason)
    excluded: str = ""
    merge_into: str = ""


CASES = [
    # 某市电信分公司
    CaseSpec(
        "t01", "telecom", "TEL-HUB-ASR01", "fault", "A", "monitoring", "closed",
        "核心路由器 BGP 邻居频繁震荡",
        "网管告警：枢纽楼 ASR 1001-X（TEL-HUB-ASR01）与省干路由器的 BGP 邻居 30 分钟内震荡 12 次，"
        "部分业务路由收敛缓慢，宽带用户反映访问外网时断时续。",
        "对端光模块收光功率偏低（-22 dBm）导致链路误码；协调更换光模块并将 BFD 间隔调整为 300 ms，"
        "观察 48 小时 BGP 邻居稳定无震荡。",
        tier="L2",
    ),
    CaseSpec(
        "t02", "telecom", "TEL-PD-BILL01", "fault", "A", "phone", "waiting_vendor",
        "计费系统月结批处理失败",
        "本月 1 日凌晨月结批处理在“账务汇总”步骤报 ORA-01555（快照过旧）后中止，约 46 万用户账单未生成，"
        "营业厅无法打印月结账单。",
        "已将作业日志、AWR 报告提交计费软件厂商二线，等待厂商提供补丁 V5.2.7-HF3 及重跑方案。",
        tier="L4",
    ),
    CaseSpec(
        "t03", "telecom", "TEL-HUB-CM01", "fault", "B", "phone", "resolved",
        "语音平台至 IMS 方向中继呼损率升高",
        "交换机房值班反映晚高峰时段至 IMS 方向的 E1 中继呼损率约 8%，平时低于 1%，用户投诉拨打外地号码偶发忙音。",
        "G450 的一块 MM710 E1 板时钟滑帧；将时钟源改为主用中继并复位板卡后，呼损率恢复至 0.3%。",
    ),
    CaseSpec(
        "t04", "telecom", "TEL-HUB-G450-02", "fault", "B", "email", "waiting_parts",
        "G450 媒体网关电源模块告警",
        "G450-02 前面板 PSU 指示灯为橙色，告警日志出现“Power supply 2 failure”，目前单电源运行，存在中断风险。",
        "确认 2 号电源模块故障，已提交 RMA 申请更换电源模块（700466659），等待备件到货。",
    ),
    CaseSpec(
        "t05", "telecom", "TEL-JD-C9300-01", "fault", "C", "phone", "in_progress",
        "汇聚交换机端口 CRC 错误持续增长",
        "嘉定汇聚机房 Catalyst 9300 的 Gi1/0/24 端口 CRC 计数每小时增加约 2000，下联小区 OLT 偶有丢包。",
        "已安排现场更换跳纤并清洁光口，观察计数变化。",
        resize=("B", "下联两个小区的宽带用户集中投诉，影响范围扩大，升级为 B 级。"),
    ),
    CaseSpec(
        "t06", "telecom", "TEL-JD-ISR01", "fault", "C", "phone", "closed",
        "汇聚路由器 IOS 升级后 NAT 会话异常",
        "嘉定汇聚 ISR 4451 升级至 16.9.8 后，部分政企专线用户 NAT 会话建立失败，需要重复拨号才能上网。",
        "新版本默认开启 NAT 会话限速；按客户业务量调整 ip nat translation max-entries 后恢复正常。",
    ),
    CaseSpec(
        "t07", "telecom", "TEL-PD-N9K01", "maintenance", "D", "email", "accepted",
        "数据中心 Nexus 9300 NX-OS 升级评估",
        "计划在季度割接窗口将浦东数据中心两台 Nexus 9300 由 10.3(3) 升级至 10.3(6)，请评估兼容性并提供升级方案和回退方案。",
        "已收集当前配置与 vPC 状态，准备升级方案。",
    ),
    CaseSpec(
        "t08", "telecom", "TEL-PD-MED01", "fault", "B", "monitoring", "closed",
        "话单采集延迟超过 2 小时",
        "监控平台告警：话单采集系统待处理文件积压 3.2 万个，话单入库延迟超过 2 小时，影响实时信控。",
        "采集机 /data 分区 inode 耗尽；清理历史临时文件并调整归档策略，积压于 40 分钟内处理完毕。",
    ),
    CaseSpec(
        "t09", "telecom", None, "complaint", "B", "phone", "closed",
        "投诉：中继故障处理过程中未按承诺反馈进展",
        "网络运维部马主任投诉：上周中继故障处理过程中，工程师承诺 2 小时内反馈进展，实际 6 小时后才回电，影响内部通报。",
        "已向客户致歉并说明原因；服务部已将进展反馈纳入值班经理每 2 小时检查项，客户表示认可。",
    ),
    CaseSpec(
        "t10", "telecom", "TEL-HUB-ASR02", "inspection", "D", "web", "new",
        "季度巡检：ASR 风扇转速偏高",
        "季度巡检发现 TEL-HUB-ASR02 风扇转速持续在 80% 以上，机房温度正常，请安排检查风扇模块及进风口。",
    ),
    CaseSpec(
        "t11", "telecom", "TEL-HUB-SM01", "fault", "B", "phone", "suspended",
        "Session Manager 与 IMS 的 SIP 中继间歇性注册失败",
        "Session Manager 日志显示与 IMS 的 SIP 实体链路每天凌晨出现 OPTIONS 超时，持续 2～3 分钟后自动恢复。",
        "客户要求暂缓处理，待下周核心网割接完成后再继续排查。",
    ),
    CaseSpec(
        "t12", "telecom", "TEL-PD-BILL01", "fault", "B", "email", "merged",
        "营业厅无法打印月结账单",
        "计费中心邮件报障：各营业厅打印本月月结账单时提示“账期数据未生成”，请尽快处理。",
        merge_into="t02",
    ),
    CaseSpec(
        "t13", "telecom", "TEL-PD-ISR01", "return", "C", "email", "waiting_customer",
        "ISR 4451 NIM 模块不识别，申请换货",
        "新到的 NIM-2MFT-T1/E1 模块安装到 TEL-PD-ISR01 后 show inventory 中不显示，换槽位后仍不识别，申请换货。",
        "请客户提供模块序列号、外包装照片及 show inventory 输出，以便办理换货。",
    ),
    CaseSpec(
        "t14", "telecom", "TEL-HUB-CM01", "maintenance", "C", "phone", "closed",
        "新增 200 个 IP 分机号段配置",
        "营业部扩容，需在 CM 上新增 8200-8399 号段的 IP 分机，并配置彩铃和呼叫权限（COR 3）。",
        "已按客户提供的清单完成号段、站点及 COR 配置，抽测 20 部分机呼入呼出正常。",
    ),
    CaseSpec(
        "t15", "telecom", "TEL-PD-BILL01", "consultation", "D", "phone", "resolved",
        "咨询：计费系统费率调整的生效时间",
        "计费中心咨询：资费调整后，新费率是实时生效还是需等下一账期？批价缓存如何刷新？",
        "费率在“资费管理”发布后于次日 0 点生效；如需立即生效，可在维护菜单执行“刷新批价缓存”（已发送操作截图）。",
    ),
    CaseSpec(
        "t16", "telecom", "TEL-JD-C9300-02", "fault", "B", "phone", "reopened",
        "汇聚交换机堆叠分裂",
        "嘉定汇聚 Catalyst 9300 堆叠成员 2 异常重启后堆叠分裂，部分小区业务中断约 15 分钟后自行恢复。",
        "更换 2 号成员的堆叠线缆并重新设置堆叠优先级，观察 24 小时未再出现分裂。",
    ),
    # 上海市第六人民医院
    CaseSpec(
        "h01", "hospital", "HOSP-MZ-CM01", "fault", "A", "phone", "closed",
        "门诊楼交换机全部分机无法呼出",
        "上午 8:40 起门诊楼全部分机拨打外线提示忙音，内部互拨正常；挂号、急诊预检电话受影响。",
        "CM 路由模式中外线中继组被误设为 out-of-service（前日配置变更遗留）；恢复中继组并核对 ARS 表后呼出恢复。",
    ),
    CaseSpec(
        "h02", "hospital", "HOSP-MZ-G450-01", "fault", "B", "phone", "waiting_vendor",
        "G450 媒体网关频繁重启",
        "门诊楼 G450 近三天每天重启 2～3 次，重启期间门诊楼模拟分机（含急诊、收费处）中断约 3 分钟。",
        "已向 AVAYA TAC 开 SR 1-2345678901 并提交 core dump，等待厂商分析结论。",
        tier="L4",
    ),
    CaseSpec(
        "h03", "hospital", "HOSP-ZY-IPO01", "fault", "B", "phone", "in_progress",
        "住院部护士站分机来电无振铃",
        "住院部 7～9 楼护士站数字话机来电时无振铃，只有指示灯闪烁，影响护士站接听病区呼叫。",
        "远程检查发现振铃方案被修改，正在与信息科核对变更记录。",
    ),
    CaseSpec(
        "h04", "hospital", "HOSP-ZY-IPO02", "fault", "A", "phone", "resolved",
        "住院部弱电间漏水导致 IP Office 宕机",
        "昨晚住院部弱电间空调冷凝水泄漏，IP Office 主机进水后无法开机，住院部全部分机中断。",
        "已更换主机并从备份恢复配置，通话恢复；因意外进水不属保修范围，已按收费标准出具维修报价。",
        excluded="accident",
    ),
    CaseSpec(
        "h05", "hospital", "HOSP-MZ-C9300-01", "fault", "C", "email", "waiting_customer",
        "门诊楼交换机端口频繁 err-disabled",
        "门诊楼 3 楼诊室的多个接入端口反复进入 err-disabled 状态，医生工作站断网。",
        "日志显示端口触发 BPDU Guard，怀疑诊室私接了小路由器；请信息科到现场确认并提供照片。",
    ),
    CaseSpec(
        "h06", "hospital", "HOSP-NY-IPO01", "maintenance", "C", "phone", "accepted",
        "南院区新增 30 部分机开通",
        "南院区新开病区需开通 30 部 IP 分机（号段 6301-6330），并加入病区话务组。",
        "已收到分机清单，预约周四上午到现场。",
    ),
    CaseSpec(
        "h07", "hospital", "HOSP-NY-ISR01", "fault", "B", "monitoring", "closed",
        "南院区专线中断，院区间互访失败",
        "监控告警：南院区 ISR 4451 至本部的 MSTP 专线中断，南院区 HIS、PACS 无法访问本部服务器。",
        "运营商光缆施工挖断；专线恢复后核对路由及 IPsec 备份隧道，确认业务正常，并优化了备份隧道的切换时间。",
    ),
    CaseSpec(
        "h08", "hospital", None, "complaint", "C", "phone", "cancelled",
        "投诉：工程师上门未提前预约",
        "信息科反映工程师昨日下午直接到病区处理故障，未提前预约，影响病区查房。",
        "客户来电撤回投诉，表示已与工程师沟通清楚。",
    ),
    CaseSpec(
        "h09", "hospital", "HOSP-MZ-C9300-02", "inspection", "D", "web", "new",
        "年度巡检：门诊楼交换机日志空间将满",
        "年度巡检报告指出 HOSP-MZ-C9300-02 的 flash 使用率 92%，主要为历史 crashinfo 文件，请安排清理。",
    ),
    CaseSpec(
        "h10", "hospital", "HOSP-ZY-C9300-01", "fault", "C", "phone", "closed",
        "住院部交换机 PoE 供电不足，无线 AP 反复重启",
        "住院部 5 楼新装的 4 台无线 AP 反复重启，交换机日志提示 PoE 功率不足。",
        "交换机 PoE 预算已满；调整端口 PoE 优先级并将 2 台 AP 迁移至另一台交换机后恢复。",
    ),
    CaseSpec(
        "h11", "hospital", "HOSP-ZY-IPO01", "fault", "B", "email", "merged",
        "住院部 8 楼护士站电话来电不响",
        "8 楼护士站反映来电话机不响铃，只能看到来电灯亮，多次漏接病区呼叫。",
        merge_into="h03",
    ),
    CaseSpec(
        "h12", "hospital", "HOSP-MZ-CM01", "fault", "C", "phone", "reopened",
        "门诊医生工作站软电话无法登录",
        "门诊楼 2 楼 12 个诊室的软电话（Workplace）登录提示“认证失败”，硬话机正常。",
        "重置相关用户的 SIP 密码并同步到 Session Manager，抽查 5 个诊室可正常登录。",
    ),
    CaseSpec(
        "h13", "hospital", "HOSP-NY-IPO01", "return", "D", "email", "closed",
        "新到 J139 话机 3 台屏幕坏点，申请换货",
        "南院区随项目交付的 J139 话机中有 3 台屏幕存在坏点，申请换货。",
        "已为客户更换 3 台新话机，旧话机回收返厂。",
    ),
    CaseSpec(
        "h14", "hospital", "HOSP-ZY-IPO01", "fault", "C", "phone", "waiting_parts",
        "IP Office 数字分机板 DS16 部分端口无响应",
        "住院部 IP Office 的 DS16 板第 9～16 端口话机全部黑屏，更换话机无效。",
        "确认 DS16 板故障（保外，需付费更换），客户已同意报价，等待备件。",
    ),
    # 某银行上海分行
    CaseSpec(
        "b01", "bank", "BANK-DC-ASR01", "fault", "A", "monitoring", "resolved",
        "分行数据中心核心路由器 CPU 利用率 100%",
        "监控告警：BANK-DC-ASR01 CPU 持续 100% 超过 10 分钟，网银及柜面交易响应变慢。",
        "某网段异常广播流量上送 CPU；配置 CoPP 限速并隔离异常主机后，CPU 降至 15% 左右。",
        tier="L2",
    ),
    CaseSpec(
        "b02", "bank", "BANK-DC-N9K01", "fault", "B", "phone", "closed",
        "Nexus vPC peer-link 异常导致部分服务器失联",
        "数据中心 Nexus 9300 vPC peer-link 一条成员链路 down 后，部分单挂服务器失联约 5 分钟。",
        "成员链路光模块老化；更换光模块并将单挂服务器改为双上联，完成切换演练。",
        tier="L3",
    ),
    CaseSpec(
        "b03", "bank", "BANK-LJZ-IPO01", "fault", "B", "phone", "waiting_parts",
        "陆家嘴营业部电话主机电源故障",
        "营业部 IP Office 主机电源风扇异响后自动关机，重启后 10 分钟左右再次关机。",
        "确认电源模块故障，设备已过保且无维保协议，客户已确认报价，等待电源模块到货。",
    ),
    CaseSpec(
        "b04", "bank", "BANK-LJZ-ISR01", "fault", "B", "phone", "in_progress",
        "陆家嘴营业部专线中断，柜面业务无法联机",
        "营业部 ISR 4451 至分行的主用专线中断，备用线路未自动切换，柜面系统无法联机。",
        "工程师已出发前往现场，预计 40 分钟到达；同时协调运营商排查主用专线。",
        resize=("A", "营业部全部柜面停止对外服务，升级为 A 级。"),
    ),
    CaseSpec(
        "b05", "bank", "BANK-ZJ-G450-01", "fault", "B", "phone", "waiting_customer",
        "客服中心坐席间歇性单通",
        "张江客服中心约 10% 的通话出现单通（客户听不到坐席声音），多发生在下午高峰。",
        "需客户协助在坐席侧抓包，已约定明早 9 点远程协同。",
    ),
    CaseSpec(
        "b06", "bank", "BANK-DC-CM01", "maintenance", "C", "email", "new",
        "客服中心 IVR 语音文件更新",
        "因理财产品调整，需更新 IVR 第 3 级菜单的 4 段语音文件，计划本周五 22:00 后操作。",
    ),
    CaseSpec(
        "b07", "bank", "BANK-DC-CM01", "fault", "B", "phone", "suspended",
        "呼叫中心录音接口告警",
        "CM 与录音系统的 DMCC 接口每天出现数次断连告警，断连期间部分通话未录音。",
        "录音系统厂商正在进行版本升级，待其完成后再联合排查。",
    ),
    CaseSpec(
        "b08", "bank", "BANK-ZJ-C9300-01", "fault", "C", "web", "accepted",
        "客服中心交换机端口批量 down",
        "客服中心 2 楼坐席区交换机 Gi1/0/1-12 端口同时 down，12 个坐席无法登录。",
        "初步判断为上联线缆或模块问题，已安排工程师到场。",
    ),
    CaseSpec(
        "b09", "bank", None, "consultation", "D", "email", "closed",
        "咨询：年度维保协议续签流程与报价",
        "信息技术部咨询：现行维保协议明年到期，续签需准备哪些材料？能否提供 5×24 与 7×24 两种报价？",
        "已发送续签材料清单及两种服务等级的报价，销售何晓将与客户约定时间面谈。",
    ),
    CaseSpec(
        "b10", "bank", "BANK-DC-N9K02", "fault", "B", "monitoring", "cancelled",
        "监控告警：Nexus 电源模块故障",
        "监控平台上报 BANK-DC-N9K02 电源模块 2 故障告警。",
        "经核实为监控平台阈值配置错误产生的误报，设备电源状态正常，客户同意取消。",
    ),
    CaseSpec(
        "b11", "bank", "BANK-DC-ASR02", "inspection", "D", "phone", "closed",
        "季度巡检：ASR 路由器启动配置与运行配置不一致",
        "巡检发现 BANK-DC-ASR02 的 running-config 与 startup-config 不一致，存在重启后配置丢失风险。",
        "经客户变更审批后执行 write memory，并将配置备份至配置管理平台。",
    ),
    CaseSpec(
        "b12", "bank", "BANK-ZJ-G450-02", "fault", "A", "phone", "closed",
        "客服中心热线全部坐席无法接听",
        "客服热线来电排队后无法分配到坐席，坐席话机显示“无可用资源”，热线服务中断。",
        "G450-02 的 DSP 资源耗尽（媒体处理模块故障）；临时将话务切至 G450-01，更换 MP80 模块后恢复双网关负载。",
        tier="L2",
    ),
    CaseSpec(
        "b13", "bank", "BANK-LJZ-ISR01", "fault", "A", "phone", "merged",
        "陆家嘴营业部网点报障：业务系统全部无法登录",
        "营业部大堂经理来电：柜面、自助设备均无法联机，请尽快处理。",
        merge_into="b04",
    ),
    CaseSpec(
        "b14", "bank", "BANK-ZJ-C9300-01", "fault", "C", "phone", "reopened",
        "客服中心坐席 IP 话机频繁掉线",
        "客服中心 3 楼部分坐席 IP 话机每隔 1～2 小时掉线重注册，影响接听。",
        "语音 VLAN 的 DHCP 租期过短；调整租期为 8 天并开启 DHCP snooping 后话机稳定。",
    ),
    # 北京市某区政务服务中心
    CaseSpec(
        "g01", "gov", "GOV-ZL-IPO01", "fault", "B", "phone", "closed",
        "政务大厅咨询热线分机组无法振铃",
        "大厅咨询热线话务组（组号 600）来电后组内 8 部分机均不振铃，来电直接进入语音信箱。",
        "话务组被误设为“夜间服务”模式；恢复正常模式并配置时间表自动切换。",
    ),
    CaseSpec(
        "g02", "gov", "GOV-ZL-ISR01", "fault", "A", "phone", "waiting_vendor",
        "政务外网专线 IPsec 隧道反复中断",
        "主楼 ISR 4451 至市级政务外网的 IPsec 隧道每隔数小时中断一次，网上办事系统间歇不可用。",
        "已升级至 Cisco TAC（SR 698765432），提交 debug crypto 日志，等待厂商分析结论。",
        tier="L4",
    ),
    CaseSpec(
        "g03", "gov", "GOV-ZB-N9K01", "maintenance", "C", "email", "in_progress",
        "灾备机房 Nexus 新增 VLAN 及 ACL 配置",
        "灾备系统扩容，需在灾备机房两台 Nexus 上新增 VLAN 310-318 并下发访问控制策略。",
        "配置方案已经客户确认，计划今晚 22:00 实施。",
    ),
    CaseSpec(
        "g04", "gov", "GOV-ZB-N9K02", "fault", "C", "monitoring", "resolved",
        "灾备机房交换机温度告警",
        "监控告警：GOV-ZB-N9K02 进风口温度 41 ℃，超过告警阈值。",
        "机房空调故障导致温度升高，客户已修复空调；交换机温度回落至 26 ℃，硬件检查无异常。",
    ),
    CaseSpec(
        "g05", "gov", "GOV-ZL-C9300-01", "fault", "D", "web", "new",
        "大厅自助终端网络偶发卡顿",
        "大厅自助办事终端偶尔出现页面加载缓慢（约 10 秒），其他区域网络正常。",
    ),
    CaseSpec(
        "g06", "gov", None, "complaint", "B", "phone", "in_progress",
        "投诉：报修热线长时间无人接听",
        "信息中心王主任投诉：昨日 12:10～12:40 拨打报修热线多次无人接听，要求说明原因并整改。",
        "已调取热线话务记录，正在核实午间值班安排。",
    ),
    CaseSpec(
        "g07", "gov", "GOV-ZL-IPO01", "inspection", "D", "phone", "closed",
        "巡检：IP Office 系统时间偏差 5 分钟",
        "巡检发现 IP Office 系统时间比标准时间慢约 5 分钟，话单时间不准。",
        "配置 NTP 服务器指向政务网时间源，时间已同步。",
    ),
    CaseSpec(
        "g08", "gov", "GOV-ZL-C9300-01", "fault", "C", "phone", "suspended",
        "办公区网络割接后部分打印机无法访问",
        "办公区网络割接后 3 楼、5 楼共 6 台网络打印机无法从办公电脑访问。",
        "客户内部网络改造项目暂停，需待其 IT 承建商确认 IP 规划方案后继续。",
    ),
    CaseSpec(
        "g09", "gov", "GOV-ZB-N9K01", "return", "C", "email", "waiting_parts",
        "灾备机房 Nexus 光模块批量故障，申请更换",
        "灾备机房 GOV-ZB-N9K01 上 4 个 10G-SR 光模块收光异常，同批次模块均有告警，申请更换。",
        "已提交 RMA，4 个 SFP-10G-SR 光模块在途。",
    ),
    CaseSpec(
        "g10", "gov", "GOV-ZL-C9300-01", "fault", "C", "phone", "closed",
        "办公区无线 AP 供电中断",
        "主楼 4 层 6 台无线 AP 同时离线，交换机端口显示 PoE 关闭。",
        "交换机 PoE 子系统异常；重启 PoE 控制器后供电恢复，并升级至推荐版本消除该缺陷。",
    ),
    # 广州某物流集团有限公司
    CaseSpec(
        "l01", "logistics", "LOG-GZ-IPO01", "fault", "B", "phone", "closed",
        "广州总部电话主机无法外呼",
        "总部全部分机拨打外线时提示“线路忙”，来电正常。",
        "外线 PRI 的 D 信道因运营商侧割接未恢复；协调运营商重置后外呼恢复。",
    ),
    CaseSpec(
        "l02", "logistics", "LOG-SZ-ISR01", "fault", "A", "monitoring", "in_progress",
        "深圳分拨中心出口路由器宕机",
        "监控告警：深圳分拨中心 ISR 4451 失联，分拨中心 WMS 无法连接总部，分拣线停止作业。",
        "工程师已到达现场，设备无法启动，正在检查电源及引导。",
        resize=("B", "备用 4G 路由器已接管，分拣业务基本恢复，降为 B 级。"),
    ),
    CaseSpec(
        "l03", "logistics", "LOG-GZ-ISR01", "fault", "C", "phone", "waiting_customer",
        "总部路由器 DHCP 地址池耗尽",
        "总部访客网络新接入设备无法获取 IP 地址，路由器日志提示 DHCP 地址池耗尽。",
        "设备已过保且无维保协议，已发送收费报价单，等待客户确认后安排上门。",
    ),
    CaseSpec(
        "l04", "logistics", "LOG-SZ-C9300-01", "fault", "C", "phone", "accepted",
        "分拨中心交换机端口间歇性丢包",
        "深圳分拨中心分拣线 PLC 所连交换机端口间歇性丢包，分拣机偶发停机告警。",
        "已安排广州工程师明日到场测试链路。",
    ),
    CaseSpec(
        "l05", "logistics", "LOG-BY-IPO01", "maintenance", "D", "email", "new",
        "白云仓储中心调整话务组振铃策略",
        "仓储中心客服话务组希望由“顺序振铃”改为“循环振铃”，并在下班后转至值班手机。",
    ),
    CaseSpec(
        "l06", "logistics", "LOG-GZ-C9300-01", "fault", "B", "phone", "resolved",
        "雷击后总部交换机多个端口损坏",
        "昨晚雷暴后，总部机房 Catalyst 9300 有 8 个端口无法 up，连接的监控摄像头全部离线。",
        "更换损坏的交换机并恢复配置；雷击属不可抗力，按收费标准报价，建议加装信号防雷器。",
        excluded="force_majeure",
    ),
    CaseSpec(
        "l07", "logistics", "LOG-SZ-C9300-02", "inspection", "D", "web", "closed",
        "新设备验收后首次巡检",
        "深圳分拨中心新设备验收满 3 个月，按协议安排首次巡检。",
        "完成巡检：硬件状态、日志、配置备份均正常，巡检报告已发送客户。",
    ),
    CaseSpec(
        "l08", "logistics", None, "complaint", "C", "email", "closed",
        "投诉：保外维修报价过高",
        "IT 部黄经理来函：总部电话主机维修报价高于预期，要求说明收费依据。",
        "已向客户说明保外维修按成交价 12% 的收费标准，并提供维保协议方案供选择，客户接受。",
    ),
    CaseSpec(
        "l09", "logistics", "LOG-GZ-IPO01", "fault", "C", "phone", "cancelled",
        "总部前台话机无法转接",
        "总部前台话机转接来电时提示“无法完成”，其他分机正常。",
        "客户自行重启话机后恢复，申请撤单。",
    ),
    CaseSpec(
        "l10", "logistics", "LOG-SZ-ISR01", "fault", "A", "phone", "merged",
        "深圳分拨中心全部网络中断",
        "分拨中心梁工来电：整个分拨中心无法上网，WMS 系统登录失败。",
        merge_into="l02",
    ),
]

# (customer, contact, host or None, channel, question, answer)
CONSULTATIONS = [
    ("telecom", "韩雪", "TEL-HUB-CM01", "phone", "IP 分机如何设置无条件呼叫前转？",
     "在话机上按“功能”键选择“呼叫前转”，输入目标号码后确认；也可拨功能码 *2 加目标号码，取消拨 #2。"),
    ("hospital", "徐静", "HOSP-MZ-CM01", "phone", "门诊楼语音系统的保修到什么时候？保修期内哪些情况要收费？",
     "按验收合格日起算 12 个月保修，系统中可查到期日；人为损坏、意外（如进水）和不可抗力（如雷击）不在保修范围内。"),
    ("bank", "沈佳", "BANK-DC-ASR01", "email", "ASR 1001-X 当前的 IOS-XE 17.9.4a 是否在厂商推荐版本内？",
     "17.9.4a 仍为厂商推荐的长期维护版本，暂无必须升级的安全公告；建议在下次巡检时一并评估 17.9.5。"),
    ("gov", "李娜", None, "phone", "报修热线号码和服务时间是什么？",
     "7×24 报修热线 400-820-8820；贵单位协议为 5×8，工作日 9:00–17:00 以外的一般故障于下一工作日处理，A 级故障随时响应。"),
    ("logistics", "黄俊", "LOG-GZ-IPO01", "web", "保外设备维修如何收费？",
     "保外且无维保协议的硬件维修按设备成交价的 12% 收取，上门服务另按收费标准计费；签订维保协议后可免收。"),
]

# Texts for the steps between intake and the last step.
DIAGNOSIS = {
    "telephony": [
        "已远程登录 SAT 执行 status trunk 及 list registered-ip-stations，并导出 error log、alarm log 分析。",
        "已收集网关 show event-log 及 show voip-parameters 输出，正在比对告警时间点。",
        "远程检查 System Status，告警时间段内有 DSP 资源占用峰值，继续跟踪。",
    ],
    "router": [
        "已收集 show tech-support、show logging 及 show interfaces 输出，正在分析。",
        "检查 BGP/OSPF 邻居与路由表，故障时间段内有链路 flap 记录。",
        "已调取监控平台近 24 小时接口流量及 CPU 曲线，峰值与故障时间吻合。",
    ],
    "switch": [
        "已收集 show tech、show interfaces counters errors 及 show logging，先排查物理链路。",
        "检查 STP 拓扑变化计数，发现 TCN 较频繁，正在定位源端口。",
        "已远程核对 VLAN、端口配置及 PoE 预算，与配置基线比对中。",
    ],
    "software": [
        "已导出应用日志、批处理作业日志及数据库告警日志，正在分析。",
        "检查数据库表空间及 undo 使用情况，已截取 AWR 报告。",
        "与客户确认最近一次版本变更及参数调整记录，正在测试环境复现。",
    ],
    "": [
        "已电话联系客户了解详细情况，并调取相关案例的处理记录。",
        "已与相关工程师及值班经理核实经过，整理情况说明。",
    ],
}
PROGRESS_REPLIES = [
    "您好，您的报修已受理，工程师正在远程排查，我们会在 1 小时内向您反馈进展。",
    "您好，工程师已联系现场并开始处理，如有新的情况请直接回复本案例。",
    "您好，我们已安排工程师跟进，处理中可能需要您提供日志或远程权限，感谢配合。",
]
CONFIRMATIONS = ["已确认恢复正常，感谢支持。", "业务已恢复，谢谢工程师及时处理。", "验证通过，可以关闭。"]
REOPEN_REASONS = [
    "客户来电反映故障再次出现，重新打开继续处理。",
    "回访时客户表示问题未彻底解决，重新打开。",
]
DAYS_AGO = {  # range of case age by final status
    "new": (0, 1),
    "accepted": (0, 3),
    "in_progress": (1, 8),
    "waiting_customer": (2, 20),
    "waiting_vendor": (3, 25),
    "waiting_parts": (2, 15),
    "suspended": (10, 40),
    "resolved": (1, 6),
    "closed": (7, 60),
    "reopened": (5, 30),
    "cancelled": (1, 45),
}

WAITING_ACTIONS: dict[str, str] = {
    Status.WAITING_CUSTOMER: "wait_customer",
    Status.WAITING_VENDOR: "wait_vendor",
    Status.WAITING_PARTS: "wait_parts",
}
# fmt: on


def demo_cases_exist() -> bool:
    codes = [code for code, *_rest in CUSTOMERS]
    return Case.objects.filter(customer__code__in=codes, title__in=[spec.title for spec in CASES]).exists()


class CaseWriter:
    """Opens the demo cases in time order and walks each to its final status via the services."""

    def __init__(self, loader: DemoLoader):
        self.loader = loader
        self.rng = loader.rng
        self.users = loader.users
        self.now = timezone.now()
        self.cases: dict[str, Case] = {}

    def write_all(self) -> None:
        times = self.opening_times()
        for spec in sorted(CASES, key=lambda s: (times[s.key], s.key)):
            self.cases[spec.key] = self.write(spec, times[spec.key])
            self.loader.report.add("cases", True)
        for customer, contact, host, channel, question, answer in CONSULTATIONS:
            services.log_consultation(
                customer=self.loader.customers[customer],
                by=self.user("agent", "agent2"),
                question=question,
                answer=answer,
                channel=channel,
                contact=self.loader.contacts[customer, contact],
                equipment=self.loader.equipment[host] if host else None,
            )
            self.loader.report.add("consultations", True)
        settle_the_past(cases=list(self.cases.values()))

    def opening_times(self) -> dict[str, dt.datetime]:
        times = {}
        for spec in CASES:
            if not spec.merge_into:
                low, high = DAYS_AGO[spec.target]
                times[spec.key] = self.moment(self.rng.randint(low, high), night=spec.channel == "monitoring")
        for spec in CASES:
            if spec.merge_into:  # a duplicate report shortly after the first one
                later = times[spec.merge_into] + dt.timedelta(minutes=self.rng.randint(15, 90))
                times[spec.key] = min(later, self.now - dt.timedelta(minutes=1))
        return times

    def moment(self, days_ago: int, *, night: bool) -> dt.datetime:
        if days_ago == 0:
            return self.now - dt.timedelta(minutes=self.rng.randint(10, 120))
        day = self.loader.today - dt.timedelta(days=days_ago)
        hour = self.rng.randint(0, 23) if night else self.rng.randint(8, 18)
        naive = dt.datetime.combine(day, dt.time(hour, self.rng.randint(0, 59)))
        return timezone.make_aware(naive)

    def user(self, *usernames: str) -> User:
        return self.users[self.rng.choice(usernames)]

    # one case

    def write(self, spec: CaseSpec, opened_at: dt.datetime) -> Case:
        case = self.open(spec, opened_at)
        if spec.target == Status.NEW:
            return self.leave_new(case)
        if spec.target in (Status.CANCELLED, Status.MERGED):
            return self.withdraw(case, spec)
        case, owner = self.take_on(case, spec)
        if spec.target == Status.ACCEPTED:
            return self.note(case, owner, spec.note)
        case = self.act(case, owner, "start")
        self.note(case, owner, self.rng.choice(DIAGNOSIS[self.category(case)]))
        case, owner = self.escalate(case, spec, owner)
        if spec.resize:
            case = services.change_severity(case=case, by=owner, severity=spec.resize[0], reason=spec.resize[1])
        return self.finish(case, spec, owner)

    def open(self, spec: CaseSpec, opened_at: dt.datetime) -> Case:
        customer = self.loader.customers[spec.customer]
        contacts = [c for (code, _name), c in self.loader.contacts.items() if code == spec.customer]
        return services.open_case(
            customer=customer,
            by=self.user("agent", "agent2") if spec.channel != "monitoring" else self.users["duty"],
            title=spec.title,
            description=spec.description,
            kind=spec.kind,
            severity=spec.severity,
            channel=spec.channel,
            contact=self.rng.choice(contacts) if spec.channel != "monitoring" else None,
            equipment=self.loader.equipment[spec.host] if spec.host else None,
            excluded_cause=spec.excluded,
            opened_at=opened_at,
        )

    def leave_new(self, case: Case) -> Case:
        if self.rng.random() < 0.5:  # some are already routed to a team, none is taken yet
            case = services.assign(case=case, by=self.users["duty"], team=self.loader.teams[self.l1_team(case)])
        return case

    def withdraw(self, case: Case, spec: CaseSpec) -> Case:
        assert case.taken_by is not None, "the demo takes every case it withdraws"
        agent = self.users[case.taken_by.username]
        if spec.target == Status.CANCELLED:
            return self.act(case, agent, "cancel", spec.note)
        primary = self.cases[spec.merge_into]
        text = f"与案例 {primary.number} 为同一故障，合并处理。"
        return services.transition(case=case, action="merge", by=agent, text=text, merge_into=primary)

    def take_on(self, case: Case, spec: CaseSpec) -> tuple[Case, User]:
        team_name = self.l1_team(case)
        owner = self.users[ENGINEER_BY_TEAM[team_name]]
        case = services.assign(case=case, by=self.users["duty"], owner=owner, team=self.loader.teams[team_name])
        case = self.act(case, owner, "accept")
        if spec.channel != "monitoring":
            services.add_comment(case=case, by=owner, text=self.rng.choice(PROGRESS_REPLIES), public=True)
        return case, owner

    def escalate(self, case: Case, spec: CaseSpec, owner: User) -> tuple[Case, User]:
        if not spec.tier:
            return case, owner
        team = self.loader.teams[TEAM_BY_TIER[spec.tier]]
        new_owner = self.tier_owner(case, spec.tier)
        case = services.update_case(case=case, by=owner, tier=spec.tier)
        self.note(case, owner, f"一线初步排查未能定位，升级至{team.name}处理。")
        case = services.assign(case=case, by=self.users["duty"], owner=new_owner, team=team)
        return case, new_owner

    def tier_owner(self, case: Case, tier: str) -> User:
        if tier == "L2":
            return self.users["specialist" if self.category(case) == "telephony" else "specialist2"]
        return self.users["expert" if tier == "L3" else "liaison"]

    def suspend(self, case: Case, owner: User, reason: str) -> Case:
        """The engineer asks with the customer's consent; the duty manager approves."""
        contact = case.contact.name if case.contact else case.customer.short_name
        request = services.request_suspension(
            case=case,
            by=owner,
            reason=reason,
            consent_by=contact,
            consent_channel=SuspensionRequest.ConsentChannel.PHONE,
            consent_at=timezone.now(),
            expected_end_at=timezone.now() + dt.timedelta(days=2),
        )
        services.decide_suspension(request=request, by=self.users["duty"], approve=True, note="同意挂起")
        case.refresh_from_db()
        return case

    def finish(self, case: Case, spec: CaseSpec, owner: User) -> Case:
        target = spec.target
        if target == Status.IN_PROGRESS:
            return self.note(case, owner, spec.note)
        if target in WAITING_ACTIONS:
            return self.wait(case, spec, owner)
        if target == Status.SUSPENDED:
            return self.suspend(case, owner, spec.note)
        case = self.resolve(case, spec, owner)
        if target == Status.RESOLVED:
            return case
        case = self.close(case)
        if target == Status.REOPENED:
            case = self.act(case, self.user("agent", "agent2"), "reopen", self.rng.choice(REOPEN_REASONS))
        return case

    def wait(self, case: Case, spec: CaseSpec, owner: User) -> Case:
        case = self.act(case, owner, WAITING_ACTIONS[spec.target], spec.note)
        if spec.target == Status.WAITING_PARTS:
            waybill = f"SF{self.rng.randint(10**11, 10**12 - 1)}"
            days = self.rng.randint(1, 3)
            self.note(
                case,
                self.users["parts"],
                f"备件已从上海中心库调拨出库，顺丰单号 {waybill}，预计 {days} 个工作日到达现场。",
            )
        elif spec.target == Status.WAITING_CUSTOMER:
            services.add_comment(case=case, by=owner, text=f"您好，{spec.note}", public=True)
        return case

    def resolve(self, case: Case, spec: CaseSpec, owner: User) -> Case:
        case = self.act(case, owner, "resolve", spec.note)
        reply = f"您好，问题已处理：{spec.note}\n请确认业务是否恢复正常；如无异议，我们将关闭本案例。"
        services.add_comment(case=case, by=owner, text=reply, public=True)
        return case

    def close(self, case: Case) -> Case:
        contact = case.contact
        if contact is not None and contact.user is not None:
            portal_user = self.users[contact.user.username]
            services.add_comment(case=case, by=portal_user, text=self.rng.choice(CONFIRMATIONS), public=True)
        return self.act(case, self.user("manager", "centre"), "close")

    # helpers

    def act(self, case: Case, by: User, action: str, text: str = "") -> Case:
        return services.transition(case=case, action=action, by=by, text=text)

    def note(self, case: Case, by: User, text: str) -> Case:
        if text:
            services.add_comment(case=case, by=by, text=text, public=False)
        return case

    def l1_team(self, case: Case) -> str:
        region = (
            case.site.region
            if case.site is not None
            else self.loader.sites[SITE_OF_CUSTOMER[case.customer.code]].region
        )
        return L1_TEAM_BY_REGION[region]

    def category(self, case: Case) -> str:
        return case.equipment.product_model.category if case.equipment is not None else ""
