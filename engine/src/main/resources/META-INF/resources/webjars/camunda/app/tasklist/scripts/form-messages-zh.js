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

// Full-width digits, point and minus in a number field become ASCII before form-js reads the input.
const FULL_WIDTH = /[\uFF10-\uFF19\uFF0E\uFF0D\u3002]/g;
document.addEventListener('input', (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.closest('.fjs-form-field-number')) {
    return;
  }
  if (FULL_WIDTH.test(input.value)) {
    FULL_WIDTH.lastIndex = 0;
    input.value = input.value.replace(FULL_WIDTH, (c) =>
      c === '\uFF0E' || c === '\u3002' ? '.' : c === '\uFF0D' ? '-' : String.fromCharCode(c.charCodeAt(0) - 0xFEE0));
  }
  FULL_WIDTH.lastIndex = 0;
}, true);

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
