/**
 * The district page's strings, one catalog object per language (zh-CN first: district staff
 * read Chinese). Kept in one file so it merges into the dashboard's message catalogs later.
 */
export const MESSAGES = {
  'zh-CN': {
    title: '区域智慧校园平台', schools: '学校', silent: '失联学校', devicesOnline: '在线设备', devicesOffline: '离线设备', activeAlarms: '未解除告警',
    updated: '更新于', school: '学校', status: '状态', ok: '正常', silentPill: '失联', today: '今日用电', thisWeek: '本周用电', lastWeek: '上周用电', change: '环比',
    perStudent: '人均 (kWh/人)', perM2: '单位面积 (kWh/m²)', leftOn: '课后亮灯 (分钟)', board: '智慧黑板 (小时)', co2: 'CO₂>1000ppm (分钟)', online: '在线/离线',
    backlog: '待上传', export: '导出', lastAlarm: '最近告警', none: '无', rankTitle: '本周人均用电排名', rankNote: '按本周用电 ÷ 学生数；未配置学生数的学校按单位面积或不参与排名',
    dailyTitle: '每日用电 (kWh)', buildingsTitle: '各楼栋本周用电 (kWh)', alarmsTitle: '全区告警 (实时)', silentTitle: '失联学校', noSilent: '所有学校均在线',
    raised: '告警', cleared: '解除', building: '楼栋', noData: '暂无数据', tokenPrompt: '请输入区域或管理员令牌', tokenSave: '登录', lang: 'English', since: '最后消息',
    kwh: 'kWh', weekNote: '本周 = 近 7 天，上周 = 之前 7 天', loadError: '读取失败',
  },
  en: {
    title: 'District campus platform', schools: 'Schools', silent: 'Silent schools', devicesOnline: 'Devices online', devicesOffline: 'Devices offline', activeAlarms: 'Active alarms',
    updated: 'Updated', school: 'School', status: 'Status', ok: 'ok', silentPill: 'silent', today: 'Energy today', thisWeek: 'This week', lastWeek: 'Last week', change: 'Change',
    perStudent: 'kWh / student', perM2: 'kWh / m²', leftOn: 'Lights left on (min)', board: 'Smart-board (h)', co2: 'CO₂ > 1000 ppm (min)', online: 'Online/offline',
    backlog: 'Backlog', export: 'Export', lastAlarm: 'Last alarm', none: 'none', rankTitle: 'Energy per student this week', rankNote: 'This week\'s energy ÷ students; schools without a student count rank by m² or not at all',
    dailyTitle: 'Energy per day (kWh)', buildingsTitle: 'Energy per building this week (kWh)', alarmsTitle: 'Alarms across schools (live)', silentTitle: 'Silent schools', noSilent: 'Every school is reporting',
    raised: 'raised', cleared: 'cleared', building: 'Building', noData: 'No data yet', tokenPrompt: 'A district or admin token', tokenSave: 'Sign in', lang: '中文', since: 'Last message',
    kwh: 'kWh', weekNote: 'This week = the last 7 days, last week = the 7 before', loadError: 'Could not load',
  },
} as const;

export type Lang = keyof typeof MESSAGES;
export type Key = keyof (typeof MESSAGES)['en'];

export function pickLang(query: URLSearchParams, stored: string | null): Lang {
  const want = query.get('lang') ?? stored;
  return want === 'en' ? 'en' : 'zh-CN';
}

export function translator(lang: Lang): (key: Key) => string {
  return (key) => MESSAGES[lang][key];
}
