"""Words the seeded cases are written with, so that the search box meets realistic Chinese text.

Titles are `device + component + symptom`; descriptions are three to six sentences built from
the templates below. The search words of the benchmark are taken from these lists, so every
search finds something, some words often (告警, 重启) and some rarely (证书过期).
"""

from __future__ import annotations

DEVICES = [
    "核心交换机",
    "汇聚交换机",
    "接入交换机",
    "路由器",
    "防火墙",
    "程控交换机",
    "语音网关",
    "呼叫中心系统",
    "服务器",
    "存储阵列",
    "光传输设备",
    "基站控制器",
    "无线控制器",
    "负载均衡器",
    "视频会议终端",
    "录音系统",
    "计费系统",
    "网管系统",
    "不间断电源",
    "光纤收发器",
]

COMPONENTS = [
    "电源模块",
    "主控板",
    "业务板",
    "风扇框",
    "光模块",
    "端口",
    "硬盘",
    "内存",
    "中继线路",
    "信令链路",
    "数据库",
    "许可证",
    "配置文件",
    "时钟板",
    "背板",
    "接口板",
    "电池组",
    "操作系统",
    "管理界面",
    "告警模块",
]

SYMPTOMS = [
    "无法启动",
    "频繁重启",
    "告警灯常亮",
    "间歇性丢包",
    "通话中断",
    "单通",
    "杂音严重",
    "响应缓慢",
    "无法登录",
    "温度过高",
    "链路闪断",
    "数据同步失败",
    "异常掉电",
    "性能下降",
    "配置丢失",
    "持续报错",
    "无法注册",
    "时钟失步",
    "备份失败",
    "证书过期",
]

IMPACTS = [
    "全院门诊挂号",
    "营业厅业务办理",
    "全市话务",
    "部分用户上网",
    "网银交易",
    "内部办公网络",
    "呼叫中心坐席",
    "视频监控",
    "医保结算",
    "生产调度",
]

ACTIONS = [
    "重启设备",
    "更换电源",
    "重新插拔光模块",
    "回退配置",
    "主备倒换",
    "清除告警",
    "检查线缆",
    "升级补丁",
]

CHANGES = ["软件升级", "割接", "机房搬迁", "停电检修", "配置变更", "补丁安装", "扩容"]

ROOMS = ["一号机房", "二号机房", "数据中心", "综合楼机房", "汇聚机房", "营业厅", "调度中心", "弱电间"]

DESCRIPTION_SENTENCES = [
    "客户反映{device}{component}{symptom}，影响{impact}。",
    "现场值班人员于{hour}点左右发现{symptom}，已尝试{action}，问题仍未解决。",
    "{room}的{device}从昨天开始出现{symptom}，{component}指示灯异常。",
    "怀疑与上周的{change}有关，请工程师协助排查。",
    "客户要求尽快派工程师到现场处理，并提供故障分析报告。",
    "已收集设备日志和告警截图，见附件。",
    "联系人表示{impact}目前只能通过备用方案维持。",
    "设备序列号已核对，与合同清单一致。",
    "第三次报修同类问题，客户情绪较大。",
    "{action}后恢复约{minutes}分钟，随后再次出现{symptom}。",
]

NOTES = [
    "已电话联系客户，确认故障现象。",
    "已远程登录设备查看日志，{component}有异常记录。",
    "备件已申请，等待{component}到货。",
    "已向厂家提交技术支持请求。",
    "工程师已出发前往现场。",
    "已{action}，观察中。",
    "客户确认业务已恢复，等待观察一天。",
    "与客户约定明天上午上门处理。",
]

REPLIES = [
    "您好，我们已收到您的报修，工程师将尽快与您联系。",
    "您好，故障原因初步判断为{component}{symptom}，正在处理。",
    "您好，备件预计两个工作日内到达，届时安排上门更换。",
    "您好，问题已处理完毕，请确认业务是否恢复正常。",
]

RESOLUTIONS = [
    "更换{component}后恢复正常。",
    "{action}后故障消除，已持续观察二十四小时无异常。",
    "升级软件版本后问题解决。",
    "调整配置后恢复，已向客户说明原因。",
]

CANCEL_REASONS = ["客户自行恢复，撤销报修。", "重复报修，已在其他案例中处理。", "误报，设备运行正常。"]

# Words typed into the search box. Chinese words are mostly two characters long; a trigram
# index can only use search words of three characters or more.
SEARCH_WORDS_SHORT = ["丢包", "重启", "告警", "中继", "硬盘", "单通", "杂音", "掉电"]
SEARCH_WORDS_LONG = ["光模块", "电源模块", "无法登录", "交换机", "证书过期", "数据同步失败", "主控板", "时钟失步"]

CUSTOMER_PREFIXES = [
    "上海",
    "北京",
    "广州",
    "深圳",
    "杭州",
    "南京",
    "成都",
    "武汉",
    "西安",
    "重庆",
    "天津",
    "苏州",
    "长沙",
    "郑州",
    "青岛",
    "沈阳",
    "宁波",
    "合肥",
    "福州",
    "昆明",
]
CUSTOMER_KINDS = [
    ("hospital", ["市第一人民医院", "中心医院", "妇幼保健院", "中医医院", "肿瘤医院"]),
    ("bank", ["农商银行", "城市商业银行", "分行营业部", "信用联社"]),
    ("operator", ["移动分公司", "联通分公司", "电信分公司", "广电网络"]),
    ("government", ["市政务服务中心", "公安局指挥中心", "税务局", "社保中心"]),
    ("enterprise", ["地铁运营公司", "港务集团", "电力公司", "燃气集团", "物流有限公司", "制造有限公司"]),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN_NAMES = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩然晨曦思远文博子涵一鸣"
