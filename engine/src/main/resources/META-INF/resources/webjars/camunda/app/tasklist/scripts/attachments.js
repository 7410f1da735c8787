/*
 * The 附件 tab of a task in Tasklist (docs/attachments.md; loaded by config.js, customScripts).
 *
 * Camunda Forms in Tasklist 7 have no file field (form-js's filepicker needs Camunda 8's document
 * store) and Tasklist 7 CE shows no attachments, so a department could not hand in its 书面答复函, a scan
 * or photos with its result (tester 5, F4). This tab (plugin point tasklist.task.detail, after 表单):
 *
 * - lists the files of the task's appeal: every file any step attached, the city's included, each with
 *   its size, who uploaded it, at which step and when, and a link to download it;
 * - lets the task's assignee upload files (PDF, Word, JPG, PNG, at most 20 MB each) as soon as they are
 *   chosen, one after the other, saying for each file whether it was stored or why not (in Chinese, as
 *   the engine refuses it: TaskAttachmentController), and remove a file uploaded at this task while the
 *   task is open.
 *
 * Everything goes through /camunda/api/appeals with Tasklist's session and CSRF token; the engine
 * decides who may upload (the assignee) and who may see (who may see the appeal).
 *
 * Camunda's webapps send a Content-Security-Policy with `sandbox` and without `allow-modals`, so the
 * browser ignores window.confirm/alert/prompt and the `beforeunload` leave dialog (tester 6, N2): every
 * question and warning here is in the page (an inline 确定删除？ 确定 / 取消 row, a 正在上传 notice).
 * The file input is hidden behind a 上传附件 button, since the input's own text is the browser's
 * (English "Choose Files" in many installs).
 */

const MAX_BYTES = 20 * 1024 * 1024;
const EXTENSIONS = ['pdf', 'doc', 'docx', 'jpg', 'jpeg', 'png'];
const ALLOWED = 'PDF、Word（.doc、.docx）、JPG、PNG';
function appealsApi(api) {
  return api.engineApi.split('/api/engine')[0] + '/api/appeals';
}

function headers(api, extra) {
  return Object.assign({ Accept: 'application/json', 'X-XSRF-TOKEN': api.CSRFToken }, extra || {});
}

async function message(response) {
  try {
    const body = await response.json();
    return body.message || `服务器拒绝（${response.status}）`;
  } catch (e) {
    return `服务器拒绝（${response.status}）`;
  }
}

export function size(bytes) {
  if (bytes == null) {
    return '';
  }
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  if (bytes < 1024 * 1024) {
    return `${(bytes / 1024).toFixed(0)} KB`;
  }
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The refusal the browser can tell before uploading (the engine checks the same and the content). */
export function refusalOf(file) {
  const dot = file.name.lastIndexOf('.');
  const extension = dot < 0 ? '' : file.name.slice(dot + 1).toLowerCase();
  if (!EXTENSIONS.includes(extension)) {
    return `不支持的文件类型“${file.name}”：只能上传 ${ALLOWED} 文件。`;
  }
  if (file.size === 0) {
    return `文件“${file.name}”是空的，未上传。`;
  }
  if (file.size > MAX_BYTES) {
    return `文件“${file.name}”超过 20 MB，未上传：请压缩或分成几个文件上传。`;
  }
  return null;
}

function time(value) {
  const date = new Date(value);
  if (isNaN(date)) {
    return '';
  }
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === 'className') {
      node.className = value;
    } else {
      node.setAttribute(name, value);
    }
  }
  for (const child of children) {
    node.append(child);
  }
  return node;
}

async function render(node, api, taskId) {
  const base = appealsApi(api);
  node.innerHTML = '';
  const input = element('input', {
    type: 'file', multiple: 'multiple', accept: EXTENSIONS.map((e) => `.${e}`).join(','),
    'aria-label': '选择要上传的附件', className: 'appeals-attachment-input'
  });
  input.style.display = 'none'; // Tasklist's stylesheet shows file inputs as blocks, [hidden] or not
  const choose = element('button', { type: 'button', className: 'btn btn-default appeals-attachment-choose' }, '上传附件');
  choose.addEventListener('click', () => input.click());
  const busy = element('p', { className: 'text-warning appeals-attachment-busy', role: 'status' },
    '正在上传：请等上传完成后再离开本页或点击完成，否则未上传完的文件不会保存。');
  const showBusy = (shown) => {
    busy.style.display = shown ? '' : 'none';
  };
  showBusy(false);
  const status = element('ul', { className: 'appeals-attachment-status', 'aria-live': 'polite' });
  const list = element('div', { className: 'appeals-attachment-list' });
  node.append(element('div', { className: 'appeals-attachments' },
    element('p', { className: 'help-block' },
      `书面答复函、扫描件、照片等随办理结果一并报送：认领本任务后选择文件即上传（${ALLOWED}，每个不超过 20 MB）。` +
      '附件随诉求保存，回访、审批的人员在本页查看。'),
    element('div', {}, choose, input), busy, status, list));

  const say = (text, ok) => {
    status.append(element('li', { className: ok ? 'text-success' : 'text-danger', role: ok ? 'status' : 'alert' }, text));
  };

  async function refresh() {
    let rows;
    try {
      const response = await fetch(`${base}/task/${encodeURIComponent(taskId)}/attachments`,
        { headers: headers(api), credentials: 'same-origin' });
      if (!response.ok) {
        list.replaceChildren(element('p', { className: 'text-danger' }, await message(response)));
        return;
      }
      rows = await response.json();
    } catch (e) {
      list.replaceChildren(element('p', { className: 'text-danger' }, '附件列表读取失败：请检查网络后刷新。'));
      return;
    }
    if (!rows.length) {
      list.replaceChildren(element('p', { className: 'appeals-attachment-none' }, '本诉求还没有附件。'));
      return;
    }
    const body = element('tbody');
    for (const row of rows) {
      const link = element('a', { href: row.url, download: row.name }, row.name);
      const actions = element('td');
      if (row.taskId === taskId) {
        const remove = element('button', { type: 'button', className: 'btn btn-link btn-xs' }, '删除');
        remove.addEventListener('click', () => {
          // asked in the page: window.confirm is ignored in Camunda's sandboxed webapp (N2)
          const yes = element('button', { type: 'button', className: 'btn btn-danger btn-xs' }, '确定');
          const no = element('button', { type: 'button', className: 'btn btn-default btn-xs' }, '取消');
          const ask = element('span', { className: 'appeals-attachment-confirm', role: 'group', 'aria-label': `删除附件“${row.name}”` },
            `删除“${row.name}”？ `, yes, ' ', no);
          no.addEventListener('click', () => {
            ask.replaceWith(remove);
            remove.focus();
          });
          yes.addEventListener('click', async () => {
            yes.disabled = true;
            no.disabled = true;
            try {
              const response = await fetch(`${base}/task/${encodeURIComponent(taskId)}/attachments/${encodeURIComponent(row.id)}`,
                { method: 'DELETE', headers: headers(api), credentials: 'same-origin' });
              if (response.ok) {
                say(`已删除：${row.name}`, true);
              } else {
                say(await message(response), false);
              }
            } catch (e) {
              say(`“${row.name}”删除失败（网络中断）：请稍后再试。`, false);
            }
            refresh();
          });
          remove.replaceWith(ask);
          no.focus();
        });
        actions.append(remove);
      }
      body.append(element('tr', {}, element('td', {}, link), element('td', {}, size(row.size)),
        element('td', {}, row.userName || row.userId || ''), element('td', {}, row.taskName || ''),
        element('td', {}, time(row.createTime)), actions));
    }
    list.replaceChildren(element('table', { className: 'table table-condensed appeals-attachment-table' },
      element('thead', {}, element('tr', {}, ...['文件', '大小', '上传人', '环节', '时间', ''].map((h) => element('th', {}, h)))),
      body));
  }

  input.addEventListener('change', async () => {
    const files = Array.from(input.files || []);
    input.disabled = true;
    choose.disabled = true;
    showBusy(true);
    status.replaceChildren();
    for (const file of files) {
      const refusal = refusalOf(file);
      if (refusal) {
        say(refusal, false);
        continue;
      }
      say(`正在上传：${file.name}……`, true);
      const pending = status.lastChild;
      try {
        const response = await fetch(`${base}/task/${encodeURIComponent(taskId)}/attachments?name=${encodeURIComponent(file.name)}`,
          { method: 'POST', body: file, headers: headers(api, { 'Content-Type': 'application/octet-stream' }), credentials: 'same-origin' });
        pending.remove();
        if (response.ok) {
          say(`已上传：${file.name}`, true);
        } else {
          say(await message(response), false);
        }
      } catch (e) {
        pending.remove();
        say(`“${file.name}”上传失败（网络中断），未保存：请重新选择上传。`, false);
      }
    }
    input.value = '';
    input.disabled = false;
    choose.disabled = false;
    showBusy(false);
    refresh();
  });

  refresh();
}

export default [
  {
    id: 'appeals-task-attachments',
    pluginPoint: 'tasklist.task.detail',
    priority: 900,
    render: (node, { api, taskId }) => {
      render(node, api, taskId);
    },
    properties: { label: '附件' }
  }
];
