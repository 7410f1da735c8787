/*
 * Tasklist's error notices in Chinese only (loaded by config.js, customScripts).
 *
 * Tasklist 7.24 shows an error notice as a Chinese title (its translation, locales/zh.json) followed by the
 * message of the engine's answer, which is English or wraps a Chinese reason in English:
 *
 * - a task page reloaded after the task is gone: “该任务已不存在 : <task> <- No matching task with id …”;
 * - a 完成 the engine refused (FormTextPlugin's refusals are Chinese, but the webapps' engine API wraps them,
 *   unlike /engine-rest, FormRefusalMessages): “提交任务表单时发生错误 : Cannot submit task form <id>: “答复企业内容”为必填项，…”.
 *
 * Every error or warning notice of the page (`.page-notifications`) is rewritten as it appears, whatever
 * the request (the kind, not the case):
 *
 * - a message with a Chinese reason after an English prefix shows the reason only (from its first Chinese
 *   character or quotation mark);
 * - a message with no Chinese at all shows a Chinese explanation instead, by its title (NOTICE_REASONS; else
 *   OTHER_REASON); the engine's own words stay in the message's tooltip for the administrator.
 *
 * A message that is Chinese from its start is left as it is (this script's own, form-load-reasons-zh.js').
 */

const CHINESE = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef“]/;

/** title Tasklist shows (locales/zh.json) → what to say when the engine's message is English */
const NOTICE_REASONS = {
  '该任务已不存在': '此任务可能已由他人办理完成或已撤销。请刷新任务列表。',
  '提交任务表单时发生错误': '服务器未能完成此任务。请刷新页面后重试；仍然出错请联系系统管理员。',
  '该任务当前已挂起': '此任务所在的流程已被暂停，暂时不能办理。请联系服务企业办公室。'
};
const OTHER_REASON = '服务器未能办理此操作。请刷新页面后重试；仍然出错请联系系统管理员。';

/** The Chinese message for a notice titled `title` whose message is `message` (null: leave it). */
export function chineseMessage(title, message) {
  const text = (message || '').trim();
  if (!text) {
    return null;
  }
  const first = text.search(CHINESE);
  if (first === 0) {
    return null;
  }
  if (first > 0) {
    return text.slice(first);
  }
  return NOTICE_REASONS[(title || '').trim()] || OTHER_REASON;
}

function rewrite(alert) {
  if (!alert.matches('.alert-danger, .alert-warning')) {
    return;
  }
  const message = alert.querySelector('.message');
  const status = alert.querySelector('.status');
  if (!message) {
    return;
  }
  const original = message.textContent;
  const replaced = chineseMessage(status ? status.textContent : '', original);
  if (replaced !== null && replaced !== original) {
    message.textContent = replaced;
    message.title = original.trim();
  }
}

function scan(target) {
  const alert = target.closest('.alert');
  if (alert) {
    rewrite(alert);
  } else {
    target.querySelectorAll('.alert').forEach(rewrite);
  }
}

// Angular fills a notice's title and message (ng-bind-html) after it inserted the notice: both are watched
new MutationObserver((records) => {
  for (const record of records) {
    const target = record.target.nodeType === Node.ELEMENT_NODE ? record.target : record.target.parentElement;
    if (target && target.closest && target.closest('.page-notifications')) {
      scan(target);
    }
  }
}).observe(document.documentElement, { childList: true, subtree: true, characterData: true });

export default [];
