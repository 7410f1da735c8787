/*
 * Why a form could not be loaded, in Chinese (loaded by config.js, customScripts).
 *
 * Tasklist 7.24 fetches a Camunda Form (GET …/task/{id}/deployed-form, …/process-definition/{id}/
 * deployed-start-form) with fetch() and, for any status but 200, shows “表单错误：” followed by the
 * response's HTTP reason phrase (camunda-tasklist-bootstrap.js: `throw new Error(response.statusText)`).
 * The engine's Tomcat sends no reason phrase (HTTP/1.1 lets a server leave it out, and Tomcat 10 always
 * does; HTTP/2 has none), so the alert ended in nothing: a task completed or handed on by someone else
 * while its form was open, a session that expired, an error of the server. A reason phrase cannot carry
 * Chinese either (it is Latin-1), so the engine cannot send one that helps.
 *
 * This script hands Tasklist, for such a response, the reason for its status in Chinese (FORM_LOAD_REASONS:
 * what happened and what to do, with the status for the administrator), for every failing status, and the
 * same for a form that could not be fetched at all (no network, server down), whose English browser
 * message (“Failed to fetch”) Tasklist showed; and the same reason for the form's variables, whose
 * English engine message Tasklist showed after “无法加载变量：”.
 */

const FORM_URL = /\/deployed-(start-)?form(\?|$)/;

/** status → the reason shown after “表单错误：” (a task's form; a start form where it differs) */
const FORM_LOAD_REASONS = {
  400: '表单未能加载：此任务可能已由他人办理完成或已撤销。请刷新任务列表后重新打开。',  // the variables of a task gone
  401: '登录已失效。请重新登录后再打开此任务。',
  403: '您无权打开此表单：任务可能已交由其他人员或部门办理。请刷新任务列表。',
  404: '此任务已不存在：可能已由他人办理完成或已撤销。请刷新任务列表。',
  409: '此任务刚被他人改动。请刷新任务列表后重新打开。',
  500: '服务器出错，表单未能加载：此任务可能已由他人办理完成或已撤销。请刷新任务列表；仍然出错请联系系统管理员。',  // the form of a task gone
  502: '服务器暂时无法访问，表单未能加载。请稍后刷新页面重试。',
  503: '服务器暂时无法访问，表单未能加载。请稍后刷新页面重试。',
  504: '服务器响应超时，表单未能加载。请稍后刷新页面重试。'
};
const START_FORM_LOAD_REASONS = {
  400: '表单未能加载。请刷新页面后重试。',
  403: '您无权发起此流程。请刷新页面。',
  404: '此流程已不能发起（流程定义已不存在）。请刷新页面。',
  500: '服务器出错，表单未能加载。请刷新页面；仍然出错请联系系统管理员。'
};
const OTHER_REASON = '表单未能加载。请刷新页面后重试；仍然出错请联系系统管理员。';
const NO_CONNECTION = '无法连接服务器，表单未能加载。请检查网络后刷新页面。';

/** The Chinese reason for a form fetch that failed with HTTP `status` (`startForm`: a start form). */
export function formLoadReason(status, startForm = false) {
  const reason = (startForm && START_FORM_LOAD_REASONS[status]) || FORM_LOAD_REASONS[status] || OTHER_REASON;
  return `${reason}（HTTP ${status}）`;
}

function urlOf(resource) {
  return typeof resource === 'string' ? resource : (resource && resource.url) || String(resource);
}

const nativeFetch = window.fetch;

window.fetch = function (resource, init) {
  const url = urlOf(resource);
  if (!FORM_URL.test(url)) {
    return nativeFetch.call(this, resource, init);
  }
  const startForm = /deployed-start-form/.test(url);
  return nativeFetch.call(this, resource, init).then((response) => {
    if (response.ok) {
      return response;
    }
    const reason = formLoadReason(response.status, startForm);
    return new Proxy(response, {  // Response.statusText takes Latin-1 only: the reason is read from here
      get(target, name) {
        if (name === 'statusText') {
          return reason;
        }
        const value = Reflect.get(target, name, target);
        return typeof value === 'function' ? value.bind(target) : value;
      }
    });
  }, () => {
    throw new Error(NO_CONNECTION);
  });
};

// The form's variables (GET …/task/{id}/form-variables, read through Tasklist's API client, an
// XMLHttpRequest): Tasklist notes “无法加载变量：” with the message of the engine's answer, in English
// (“Cannot find task with id '…'.: task is null”): the answer's message is the reason for its status.
const VARIABLES_URL = /\/(task\/[^/]+\/form-variables|process-definition\/[^/]+\/form-variables)(\?|$)/;
const REQUESTED = new WeakMap();  // XMLHttpRequest → the URL it asked for
const nativeOpen = XMLHttpRequest.prototype.open;

XMLHttpRequest.prototype.open = function (method, url, ...rest) {
  REQUESTED.set(this, String(url));
  return nativeOpen.call(this, method, url, ...rest);
};

for (const name of ['responseText', 'response']) {
  const native = Object.getOwnPropertyDescriptor(XMLHttpRequest.prototype, name);
  Object.defineProperty(XMLHttpRequest.prototype, name, {
    configurable: true,
    enumerable: native.enumerable,
    get() {
      const body = native.get.call(this);
      const url = REQUESTED.get(this);
      if (this.readyState !== XMLHttpRequest.DONE || this.status < 400 || !url || !VARIABLES_URL.test(url)
          || (name === 'response' && this.responseType !== '' && this.responseType !== 'text')) {
        return body;
      }
      const reason = formLoadReason(this.status, url.includes('/process-definition/'));
      return JSON.stringify({type: 'FormLoadFailure', message: reason});
    }
  });
}

export default [];
