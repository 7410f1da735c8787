/*
 * Copyright Camunda Services GmbH and/or licensed to Camunda Services GmbH
 * under one or more contributor license agreements. See the NOTICE file
 * distributed with this work for additional information regarding copyright
 * ownership. Camunda licenses this file to you under the Apache License,
 * Version 2.0; you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

export default {
  // App name and vendor shown in the header and the browser title ("vendor name").
  app: {
    name: '任务列表',
    vendor: '企业诉求闭环办理'
  },
  // Simplified Chinese (locales/zh.json, our own translation) and English. The webapps take the
  // first language of the browser (zh-CN, zh-TW, zh -> 'zh'; en-US -> 'en'); any other language
  // (including German, whose bundled de.json is not offered) gets the fallback, Chinese. Keys
  // missing in a locale fall back to the fallback locale.
  locales: {
    availableLocales: ['zh', 'en'],
    fallbackLocale: 'zh'
  },
  // The Camunda Forms' own messages (form-js: "Field is required." …) in Chinese, and full-width
  // digits in number fields: scripts/form-messages-zh.js (form-js in Tasklist has no translation hook).
  // Why a form could not be loaded, in Chinese (the engine sends no HTTP reason phrase, which Tasklist
  // shows after “表单错误：”): scripts/form-load-reasons-zh.js. The 附件 tab of a task (upload by the
  // assignee, the appeal's files): scripts/attachments.js. Notices of a refused task form above the 完成
  // button, closed when the user edits the form again, and the form's end clear of the page footer:
  // scripts/task-form-notices.js. Error notices in Chinese only (an English engine message explained, a
  // Chinese reason without its English wrapping, e.g. a refused 完成): scripts/task-messages-zh.js.
  customScripts: ['scripts/form-messages-zh', 'scripts/form-load-reasons-zh', 'scripts/attachments',
                  'scripts/task-form-notices', 'scripts/task-messages-zh'],

  // change the app name and vendor
  // app: {
  //   name: 'Todos',
  //   vendor: 'Company'
  // },
  //
  // configure the date format
  // "dateFormat": {
  //   "normal": "LLL",
  //   "long":   "LLLL"
  // },
  //
  // "locales": {
  //    "availableLocales": ["en", "de"],
  //    "fallbackLocale": "en"
  //  },
  // customScripts: [
  //   // If you have a folder called 'my-custom-script' (in the 'tasklist' folder)
  //   // with a file called 'customScript.js' in it
  //   // 'my-custom-script/customScript'
  // ],
  // requireJsConfig: {
  //   // AngularJS module names
  //   ngDeps: ['ui.bootstrap'],
  //   // RequireJS configuration for a complete configuration documentation see:
  //   // http://requirejs.org/docs/api.html#config
  //   deps: ['jquery', 'custom-ui'],
  //   paths: {
  //     // if you have a folder called `custom-ui` (in the `scripts` folder)
  //     // with a file called `scripts.js` in it and defining the `custom-ui` AMD module
  //     'custom-ui': 'custom-ui/scripts'
  //   }
  // },
  // csrfCookieName: 'XSRF-TOKEN',
  // disableWelcomeMessage: false,
  // assignProcessInstanceIdToTaskComment: true,

  // Keys as shipped by Camunda; the descriptions (shown in the 键盘快捷键 dialog) are in Chinese.
  shortcuts: {
    claimTask: {
      key: 'ctrl+alt+c',
      description: '认领当前选中的任务'
    },
    focusFilter: {
      key: 'ctrl+shift+f',
      description: '将焦点移到列表中的第一个过滤器'
    },
    focusList: {
      key: 'ctrl+alt+l',
      description: '将焦点移到列表中的第一个任务'
    },
    focusForm: {
      key: 'ctrl+alt+f',
      description: '将焦点移到任务表单的第一个输入框'
    },
    startProcess: {
      key: 'ctrl+alt+p',
      description: '打开“发起流程”对话框'
    }
  }
};
