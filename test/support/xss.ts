import { expect } from 'chai';

/** The payloads every body (chat message, thread, reply) is rendered through. */
export const XSS_PAYLOADS = {
  script: '<script>alert("x")</script>hello',
  onerror: '<img src=x onerror="alert(1)">',
  javascriptLink: '[click me](javascript:alert(1))',
  svg: '<svg onload="alert(1)"><script>alert(2)</script></svg>after',
};

/** No script, no event handler, no javascript:/data: URL, no SVG anywhere in the HTML. */
export function expectInert(html: string) {
  expect(html).not.to.match(/<script/i);
  expect(html).not.to.match(/\son\w+\s*=/i);
  expect(html).not.to.match(/javascript:/i);
  expect(html).not.to.match(/data:/i);
  expect(html).not.to.match(/<svg/i);
  expect(html).not.to.match(/<img/i);
}
