/** Icons drawn inline (no image or font is fetched from anywhere). */
import { LabIcon } from '@jupyterlab/ui-components';

const svg = (body: string): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">` +
  `<g class="jp-icon3" fill="#616161">${body}</g></svg>`;

export const leaveOutIcon = new LabIcon({
  name: 'vdk-jupyter:leave-out',
  svgstr: svg(
    '<path d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 0 1-6.3-12.9l11.2 11.2A8 8 0 0 1 12 20zm6.3-3.1L7.1 5.7A8 8 0 0 1 18.3 16.9z"/>'
  )
});

export const includeIcon = new LabIcon({
  name: 'vdk-jupyter:include',
  svgstr: svg(
    '<path d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm-1.5 14.5-4-4 1.4-1.4 2.6 2.6 5.6-5.6 1.4 1.4z"/>'
  )
});

export const parametersIcon = new LabIcon({
  name: 'vdk-jupyter:parameters',
  svgstr: svg('<path d="M4 5h16v2H4zm0 6h10v2H4zm0 6h16v2H4zm12-7 4 2-4 2z"/>')
});

export const vdkIcon = new LabIcon({
  name: 'vdk-jupyter:vdk',
  svgstr: svg('<path d="M3 4h4l5 12 5-12h4l-7 16h-4z"/>')
});
