/**
 * Made-up students for the demo's class sessions: common surnames and given names combined in
 * order, so the 30 names of a class are distinct and the same on every run. Nobody real.
 */
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高'];
const GIVEN = ['子涵', '欣怡', '浩然', '梓萱', '宇轩', '诗琪', '俊杰', '雨桐', '一诺', '思远', '佳怡', '明轩', '若汐', '博文', '可馨', '天佑', '语嫣', '晨阳', '静怡', '嘉豪', '梦瑶', '子墨', '心悦', '泽宇', '雅琪', '皓轩', '安然', '书瑶', '铭泽', '芷若'];

/** `count` distinct names; `offset` starts a second class elsewhere in the lists. */
export function demoStudentNames(count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => `${SURNAMES[(i + offset) % SURNAMES.length]!}${GIVEN[(i * 7 + offset) % GIVEN.length]!}`);
}
