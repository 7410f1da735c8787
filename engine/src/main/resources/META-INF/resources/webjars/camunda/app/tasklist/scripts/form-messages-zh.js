/*
 * Chinese messages for the Camunda Forms in Tasklist (loaded by config.js, customScripts).
 *
 * Tasklist 7.24 renders Camunda Forms with the form-js viewer bundled in lib/deps.js, whose validator
 * writes its messages in English into the page ("Field is required.", "Field must be a valid email.",
 * "Value is not a number.") without any translation hook: Tasklist's locales (locales/zh.json) cover
 * Tasklist's own texts only. This script puts the Chinese text into each message element form-js shows
 * (ul in .fjs-form-field-error), whenever form-js writes one, and lets a number field take full-width
 * digits (３, ２．５), which an IME types and form-js would read as NaN.
 *
 * A text field holding only blank-looking characters (BLANK_CHARACTER) shows them as spaces, so that
 * form-js's check of a required field on the trimmed value (String.trim knows white space only) says
 * “此项为必填项，不能只填空格。” for U+200B or U+3164 as it does for spaces (tester 3, N1/N9).
 */

const MESSAGES = [
  [/^Field is required\.$/, () => '此项为必填项。'],
  [/^Field must have minimum length of 1\.$/, () => '此项为必填项，不能只填空格。'],
  [/^Field must have minimum length of (\d+)\.$/, (m) => `至少填写${m[1]}个字。`],
  [/^Field must have maximum length of (\d+)\.$/, (m) => `不能超过${m[1]}字（表情符号等少数字符按2字计）。`],
  [/^Field must have minimum value of (.+)\.$/, (m) => `不能小于${m[1]}。`],
  [/^Field must have maximum value of (.+)\.$/, (m) => `不能大于${m[1]}。`],
  [/^Field must match pattern .*\.$/, () => '格式不正确。'],
  [/^Field must be a valid email\.$/, () => '请填写正确的电子邮箱地址。'],
  [/^Field must be a valid\s+international phone number\..*$/, () => '请填写正确的电话号码（国际格式，如 +8613912345678）。'],
  [/^Value is not a number\.$/, () => '请填写数字（如 3）。'],
  [/^Value is expected to be an integer\.$/, () => '请填写整数。'],
  [/^Value is expected to have at most (\d+) decimal digits?\.$/, (m) => `最多保留${m[1]}位小数。`],
  [/^Please select a valid value, the two nearest valid values are (.+) and (.+)\.$/,
    (m) => `数值无效，最接近的两个有效值是${m[1]}和${m[2]}。`]
];

/** The Chinese text of one form-js message, or null when it is not one of form-js's. */
export function translate(text) {
  for (const [pattern, chinese] of MESSAGES) {
    const match = pattern.exec(text.trim());
    if (match) {
      return chinese(match);
    }
  }
  return null;
}

function translateWithin(node) {
  const root = node.nodeType === Node.TEXT_NODE ? node.parentNode : node;
  if (!root || !root.closest) {
    return;
  }
  const inError = root.closest('.fjs-form-field-error');
  const items = inError ? [root] : root.querySelectorAll('.fjs-form-field-error li');
  for (const item of items) {
    const walker = document.createTreeWalker(item, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      const chinese = translate(text.data);
      if (chinese !== null && chinese !== text.data) {
        text.data = chinese;
      }
    }
    numberMessages(item.closest('.fjs-form-field-number'));
  }
}

new MutationObserver((mutations) => {
  for (const mutation of mutations) {
    if (mutation.type === 'characterData') {
      translateWithin(mutation.target);
    } else {
      mutation.addedNodes.forEach(translateWithin);
    }
  }
}).observe(document.documentElement, {childList: true, subtree: true, characterData: true});

// A number field reads what was typed, or refuses it, and shows what was typed either way (tester 3, N2;
// session 14). form-js's number field (Numberfield in lib/deps.js) drops every key but digits, '.', ','
// and a leading '-' without a word ("1e1" became 11), reads every ',' as a decimal point ("1,000" typed key
// by key became 1.000, then 1) and shows "NaN" for anything Number() cannot read. Here:
// - every key reaches the field (its keypress, Backspace/Delete and paste never reach form-js);
// - what was typed is read by readNumber: full-width digits, point, minus and comma as ASCII (NFKC: ３ → 3,
//   ２．５ → 2.5, １，０００ → 1,000), 。 as a point, a leading '+' dropped; a plain decimal number is read as
//   it is, and commas are read as thousands separators only where they are (every three digits before
//   the point: 1,000 and 12,345.5 → 1000 and 12345.5). Chinese writes the decimal point as '.', so a comma
//   elsewhere (2,5 or 10,00) or 、 is not guessed at: refused with BAD_SEPARATOR; anything else that is not
//   a number (1e1, 0x3, 1 2, 三) is refused with NOT_A_NUMBER. form-js is handed the number read, or "NaN"
//   for a refusal (it then holds no value and says the field is required, which numberMessages words
//   as the refusal), in its own input event;
// - the field keeps showing what was typed (never form-js's "NaN", never 1,000 turned into 1.000): the
//   input's value property ignores form-js writing back its reading of what it was handed; any other
//   value form-js writes (its arrow keys, a reset) is shown as it is. Once the field is left, a number read
//   is shown as read (1,000 as 1000, 4.0 as 4);
// - form-js hands a field's change on to the form only after 300 ms (config.debounce) and compares with the
//   last value it handed on, so a refusal typed within that time could bring the number before it back
//   (1 → 1e → 1): the form-js viewer Tasklist uses (webpack module FORM_JS_VIEWER of lib/deps.js) creates
//   its forms without that delay, and the form always holds what the fields show.
// Every number field of our forms is required (tests/static/test_forms.py), so a refusal keeps 完成 refused.
const NOT_A_NUMBER = '请填写数字（如 3）。';
const BAD_SEPARATOR = '逗号只能作千位分隔符（如 1,000），小数点请用“.”。';
const PLAIN_NUMBER = /^-?(\d+\.?\d*|\.\d+)$/;
const GROUPED_NUMBER = /^-?\d{1,3}(,\d{3})+(\.\d*)?$/;
const WHOLE_WITH_POINT = /^(-?\d+)\.0*$/;
const FORM_JS_VIEWER = 57661;  // Tasklist 7.24.0: camunda-tasklist-bootstrap.js takes Form from it

/** What was typed as the field shows it: NFKC (３ → 3, ， → ,), 。 as a point, no leading '+'. */
export function numberShown(typed) {
  return typed.normalize('NFKC').replace(/\u3002/g, '.').replace(/^\+/, '');
}

/**
 * How a number field reads `typed`: {number, message}, number the ASCII decimal text form-js is to read
 * ('' for nothing typed) and message null, or number null and the Chinese message of the refusal.
 */
export function readNumber(typed) {
  const text = numberShown(typed).trim();
  if (text === '' || PLAIN_NUMBER.test(text)) {
    return {number: text, message: null};
  }
  if (GROUPED_NUMBER.test(text)) {
    return {number: text.replace(/,/g, ''), message: null};
  }
  return {number: null, message: /[,\u3001]/.test(text) ? BAD_SEPARATOR : NOT_A_NUMBER};
}

/** The field's text once left: the number read (1,000 → 1000, 4.0 → 4). */
function numberLeft(number) {
  const whole = WHOLE_WITH_POINT.exec(number);
  return whole ? String(Number(whole[1])) : number;
}

const NATIVE_VALUE = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value');
// each number input typed into → {handed: what form-js was handed (or null), message, handing}
const HELD = new WeakMap();

function numberInput(target) {
  return target instanceof HTMLInputElement && target.closest('.fjs-form-field-number') ? target : null;
}

function held(input) {
  let state = HELD.get(input);
  if (!state) {
    state = {handed: null, message: null, handing: false};
    HELD.set(input, state);
    Object.defineProperty(input, 'value', {
      configurable: true,
      get() {
        return state.handing ? state.handed : NATIVE_VALUE.get.call(this);
      },
      set(value) {
        if (state.handed !== null && String(value) === state.handed) {
          return;  // form-js shows its reading of what was typed: the field keeps what was typed
        }
        state.handed = null;  // form-js's own change (arrow keys, a reset) is shown as it is
        state.message = null;
        NATIVE_VALUE.set.call(this, value);
      }
    });
  }
  return state;
}

/** Reads what `input` shows and hands form-js the number read, or "NaN", in an input event of its own. */
function hand(input) {
  const state = held(input);
  const typed = NATIVE_VALUE.get.call(input);
  const shown = numberShown(typed);
  if (shown !== typed) {
    const [start, end] = [input.selectionStart, input.selectionEnd];
    NATIVE_VALUE.set.call(input, shown);
    input.setSelectionRange(Math.min(start, shown.length), Math.min(end, shown.length));
  }
  const {number, message} = readNumber(shown);
  state.handed = number === null ? 'NaN' : number;
  state.message = message;
  state.handing = true;
  try {
    input.dispatchEvent(new Event('input', {bubbles: true}));
  } finally {
    state.handing = false;
  }
}

for (const type of ['keypress', 'paste']) {
  document.addEventListener(type, (event) => {
    if (numberInput(event.target)) {
      event.stopPropagation();  // form-js's filter would drop the key (or the paste) without a word
    }
  }, true);
}

document.addEventListener('keydown', (event) => {
  if (numberInput(event.target) && (event.key === 'Backspace' || event.key === 'Delete')) {
    event.stopPropagation();  // form-js empties a field it reads as "NaN" on either: delete one character
  }
}, true);

document.addEventListener('input', (event) => {
  const input = numberInput(event.target);
  if (!input || !event.isTrusted) {
    return;  // our own hand-over
  }
  event.stopPropagation();  // form-js reads what hand() gives it, not what was typed
  if (!event.isComposing) {
    hand(input);
  }
}, true);

document.addEventListener('compositionend', (event) => {
  const input = numberInput(event.target);
  if (input) {
    hand(input);  // what an input method wrote, once written
  }
}, true);

document.addEventListener('focusout', (event) => {
  const input = numberInput(event.target);
  const state = input && HELD.get(input);
  if (state && state.handed !== null && state.handed !== 'NaN') {
    NATIVE_VALUE.set.call(input, numberLeft(state.handed));
  }
}, true);

/** The message of a number field: form-js says "required" for a refusal (no value); say why. */
function numberMessages(field) {
  const input = field && field.querySelector('input');
  if (!input) {
    return;
  }
  const state = HELD.get(input);
  const required = translate('Field is required.');
  const expected = state && state.message ? state.message : required;
  for (const item of field.querySelectorAll('.fjs-form-field-error li')) {
    const walker = document.createTreeWalker(item, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {  // preact's own text nodes
      const said = text.data.trim();
      if ((said === required || said === NOT_A_NUMBER || said === BAD_SEPARATOR) && said !== expected) {
        text.data = expected;
      }
    }
  }
}

// after form-js has read the input and rendered: the message of what it shows
document.addEventListener('input', (event) => {
  const input = numberInput(event.target);
  if (input) {
    setTimeout(() => numberMessages(input.closest('.fjs-form-field-number')), 0);
  }
}, false);

// the form-js viewer's forms hand every change on at once (no config.debounce)
(function formsWithoutDelay() {
  const chunks = self.webpackChunkcamunda_bpm_webapp;
  let viewer = null;
  if (chunks) {
    chunks.push([[`appeals-form-messages-zh-${Date.now()}`], {}, (require) => {
      viewer = require(FORM_JS_VIEWER);
    }]);
  }
  const Form = viewer && viewer.Form;
  if (!Form || typeof Form.prototype._createInjector !== 'function') {
    console.error('form-messages-zh: no form-js viewer in lib/deps.js (module %s)', FORM_JS_VIEWER);
    return;
  }
  const createInjector = Form.prototype._createInjector;
  Form.prototype._createInjector = function (options, container) {
    return createInjector.call(this, {debounce: false, ...options}, container);
  };
})();

// form-js writes English placeholders into selects ("Select") and their search boxes ("Search").
const PLACEHOLDERS = {Select: '请选择', Search: '搜索'};

function placeholdersWithin(node) {
  const root = node.nodeType === Node.TEXT_NODE ? node.parentNode : node;
  if (!root || !root.querySelectorAll) {
    return;
  }
  const displays = root.matches('.fjs-select-display') ? [root] : root.querySelectorAll('.fjs-select-display');
  for (const display of displays) {
    for (const text of display.childNodes) {
      if (text.nodeType === Node.TEXT_NODE && PLACEHOLDERS[text.data.trim()]) {
        text.data = PLACEHOLDERS[text.data.trim()];
      }
    }
  }
  const inputs = root.matches('input[placeholder]') ? [root] : root.querySelectorAll('input[placeholder]');
  for (const input of inputs) {
    if (PLACEHOLDERS[input.placeholder] && input.closest('.fjs-container, .fjs-form')) {
      input.placeholder = PLACEHOLDERS[input.placeholder];
    }
  }
}

new MutationObserver((mutations) => {
  for (const mutation of mutations) {
    if (mutation.type === 'characterData') {
      placeholdersWithin(mutation.target);
    } else if (mutation.type === 'attributes') {
      placeholdersWithin(mutation.target);
    } else {
      mutation.addedNodes.forEach(placeholdersWithin);
    }
  }
}).observe(document.documentElement,
  {childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['placeholder']});

// Characters that look blank: Unicode White_Space, controls, format characters, every
// Default_Ignorable_Code_Point (Hangul fillers U+3164 …, variation selectors) and U+2800 BRAILLE PATTERN
// BLANK. The same set as appeals.validation.BLANK_CHARACTER and the engine's BlankText.java
// (tests/static/test_blank_text.py compares the three on every code point).
export const BLANK_CHARACTER = /[\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/u;
const BLANK_TEXT = new RegExp(`^${BLANK_CHARACTER.source}+$`, 'u');
const NOT_WHITE_SPACE = /[^\p{White_Space}]/gu;

document.addEventListener('input', (event) => {
  const input = event.target;
  if (event.isComposing || !(input instanceof HTMLInputElement || input instanceof HTMLTextAreaElement)
      || !input.closest('.fjs-form-field-textfield, .fjs-form-field-textarea')) {
    return;
  }
  if (input.value.trim() !== '' && BLANK_TEXT.test(input.value)) {
    input.value = input.value.replace(NOT_WHITE_SPACE, ' ');
  }
}, true);

export default [];
