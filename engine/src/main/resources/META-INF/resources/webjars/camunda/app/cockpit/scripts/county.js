/*
 * Which county an instance belongs to, in Cockpit (docs/city-level.md, "Cockpit: the county of each
 * instance"; loaded by config.js, customScripts).
 *
 * Each county is a Camunda tenant (mouxian, yixian) and the city another (city). Cockpit 7.24 CE shows
 * the tenant only on an instance's own page, as its id ("租户 ID： yixian"); its list of a process's
 * instances has no tenant column. Two plugins:
 *
 * - cockpit.processDefinition.runtime.tab "所属县（区）": the process's running instances, each with
 *   its county's name, registration number (variable registrationNumber; every registered appeal has
 *   one), the business key when it has one (a 12345 order, a public submission: 来源编号; the office's
 *   own registrations have none: —), start time and a link to the instance;
 * - cockpit.processInstance.runtime.tab "所属县（区）": the instance's county.
 *
 * The county's name is the tenant's name (`appeals org sync` names each tenant after the org chart's
 * county or city: 某县, 乙县, 某市); an instance without tenant belongs to the chart's own county
 * (shown as 本县（未分县）). A city instance (CityAppeal) names the county that sent it too: 某市（乙县转报）.
 * Everything is read through the engine's REST API as the logged-in user, so
 * a user sees only what the engine lets them see (their county's instances: the tenant check).
 */

const NO_TENANT = '本县（未分县）';
const PAGE = 200;
const CITY_PROCESS = 'CityAppeal';

function headers(api) {
  return { Accept: 'application/json', 'X-XSRF-TOKEN': api.CSRFToken };
}

async function getJson(api, path) {
  const response = await fetch(api.engineApi + path, { headers: headers(api), credentials: 'same-origin' });
  if (!response.ok) {
    throw new Error(`${response.status} ${path}`);
  }
  return response.json();
}

/** Tenant id → name, as far as the user may read tenants (oversight groups: READ on tenants). */
async function tenantNames(api) {
  try {
    const tenants = await getJson(api, '/tenant');
    return new Map(tenants.map((t) => [t.id, t.name || t.id]));
  } catch (e) {
    return new Map();
  }
}

export function countyOf(names, tenantId, from) {
  if (!tenantId) {
    return NO_TENANT;
  }
  const own = names.get(tenantId) || tenantId;
  return from ? `${own}（${from}转报）` : own;
}

/**
 * The variables `variableNames` of the instances `ids` (their history: running and ended alike), as
 * instance id → Map name → value; an empty map when the user may not read them. One POST per 200 ids.
 */
async function instanceVariables(api, ids, variableNames) {
  const found = new Map();
  for (let start = 0; start < ids.length; start += PAGE) {
    try {
      const response = await fetch(`${api.engineApi}/history/variable-instance?deserializeValues=false`, {
        method: 'POST',
        headers: { ...headers(api), 'Content-Type': 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify({ variableNameIn: variableNames, processInstanceIdIn: ids.slice(start, start + PAGE) })
      });
      if (!response.ok) {
        return found;
      }
      for (const v of await response.json()) {
        if (!found.has(v.processInstanceId)) {
          found.set(v.processInstanceId, new Map());
        }
        found.get(v.processInstanceId).set(v.name, v.value);
      }
    } catch (e) {
      return found;
    }
  }
  return found;
}

/**
 * The county each city instance (CityAppeal: a county's transfer or a round of it) came from: its
 * variable `countyName`, else the name of its `countyCode` (the county's tenant), by instance id. Other
 * processes' instances are not asked about.
 */
async function sendingCounties(api, names, instances) {
  const ids = instances.filter((i) => i.processDefinitionKey === CITY_PROCESS).map((i) => i.id);
  if (!ids.length) {
    return new Map();
  }
  const found = new Map();
  for (const [id, values] of await instanceVariables(api, ids, ['countyName', 'countyCode'])) {
    const code = values.get('countyCode');
    const value = values.get('countyName') || (code ? names.get(code) || code : null);
    if (value) {
      found.set(id, value);
    }
  }
  return found;
}

/**
 * Each instance's registration number (variable `registrationNumber`: 某县服企办收（2026）第N号, the city's
 * 某市服企办收（2026）第N号), by instance id: every appeal has one once registered, also those the office
 * registers itself, which have no business key (tester 5 F7). An appeal whose registration waits for the
 * office's correction (registrationValid false) has none yet: 待补正，尚未编号.
 */
async function registrationNumbers(api, instances) {
  const found = new Map();
  const ids = instances.map((i) => i.id);
  for (const [id, values] of await instanceVariables(api, ids, ['registrationNumber', 'registrationValid'])) {
    if (values.get('registrationNumber')) {
      found.set(id, values.get('registrationNumber'));
    } else if (values.get('registrationValid') === false) {
      found.set(id, '待补正，尚未编号');
    }
  }
  return found;
}

function text(value) {
  const span = document.createElement('span');
  span.textContent = value == null ? '' : String(value);
  return span.innerHTML;
}

function when(iso) {
  if (!iso) {
    return '';
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

async function renderInstances(node, api, processDefinitionId) {
  node.innerHTML = '<p class="appeals-county-loading">正在读取……</p>';
  try {
    const query = `processDefinitionId=${encodeURIComponent(processDefinitionId)}&unfinished=true`;
    const [names, count, instances] = await Promise.all([
      tenantNames(api),
      getJson(api, `/history/process-instance/count?${query}`),
      getJson(api, `/history/process-instance?${query}&sortBy=startTime&sortOrder=desc&maxResults=${PAGE}`)
    ]);
    const [from, numbers] = await Promise.all([
      sendingCounties(api, names, instances), registrationNumbers(api, instances)]);
    const rows = instances.map((instance) => `<tr data-instance-id="${text(instance.id)}">
        <td class="appeals-county">${text(countyOf(names, instance.tenantId, from.get(instance.id)))}</td>
        <td class="appeals-registration-number">${text(numbers.get(instance.id) || '—')}</td>
        <td class="appeals-business-key">${text(instance.businessKey || '—')}</td>
        <td>${text(when(instance.startTime))}</td>
        <td><a href="#/process-instance/${encodeURIComponent(instance.id)}/runtime">${text(instance.id)}</a></td>
      </tr>`).join('');
    const shown = instances.length < count.count ? `，显示最新的${instances.length}个` : '';
    node.innerHTML = `<p>运行中的实例共${text(count.count)}个${shown}（所属县（区）即实例的租户）。</p>
      <table class="cam-table appeals-county-table">
        <thead><tr><th>所属县（区）</th><th>登记编号</th><th>来源编号（业务编号）</th><th>开始时间</th><th>实例 ID</th></tr></thead>
        <tbody>${rows}</tbody>
      </table>`;
  } catch (e) {
    node.innerHTML = `<p class="text-danger">无法读取实例：${text(e.message)}</p>`;
  }
}

async function renderInstance(node, api, processInstanceId) {
  try {
    const [names, instances] = await Promise.all([
      tenantNames(api),
      getJson(api, `/history/process-instance?processInstanceId=${encodeURIComponent(processInstanceId)}`)
    ]);
    const instance = instances[0] || {};
    const from = instance.id ? await sendingCounties(api, names, [instance]) : new Map();
    node.innerHTML = `<dl class="appeals-county-instance"><dt>所属县（区）</dt>
      <dd class="appeals-county">${text(countyOf(names, instance.tenantId, from.get(instance.id)))}</dd>
      <dt>租户</dt><dd>${text(instance.tenantId || '无')}</dd></dl>`;
  } catch (e) {
    node.innerHTML = `<p class="text-danger">无法读取实例：${text(e.message)}</p>`;
  }
}

export default [
  {
    id: 'appeals.county.processDefinition',
    pluginPoint: 'cockpit.processDefinition.runtime.tab',
    priority: 5,
    render: (node, { api, processDefinitionId }) => {
      renderInstances(node, api, processDefinitionId);
    },
    properties: { label: '所属县（区）' }
  },
  {
    id: 'appeals.county.processInstance',
    pluginPoint: 'cockpit.processInstance.runtime.tab',
    priority: 5,
    render: (node, { api, processInstanceId }) => {
      renderInstance(node, api, processInstanceId);
    },
    properties: { label: '所属县（区）' }
  }
];
