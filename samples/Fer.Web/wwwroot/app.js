'use strict';
// The page: camera frames out over a WebSocket as small JPEGs, expressions back as JSON, drawn over the video.
// Plain browser APIs only (getUserMedia, canvas, WebSocket).

const FRAMES_PER_SECOND = 12;
const FRAME_WIDTH = 320;            // downscaled before sending: detection runs at 160 px anyway
const JPEG_QUALITY = 0.7;
const MAX_BUFFERED_BYTES = 256 * 1024; // stop sending while the socket is this far behind
const CAPTURE_TIMEOUT_MS = 8000;    // a capture waits this long for a frame with a face

const $ = id => document.getElementById(id);
const video = $('video');
const overlay = $('overlay');
const capture = $('capture');

let socket = null;
let expressions = ['Angry', 'Disgust', 'Fear', 'Happy', 'Sad', 'Surprise', 'Neutral'];
let framesSent = 0;
const sentAt = new Map();           // frame number → time sent, for the round trip
let latencies = [];
let answered = [];
let hasProfile = false;
let enrolling = false;
let captureWaiter = null;

function send(command) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(command));
}

async function start() {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    video.srcObject = stream;
    await video.play();
  } catch (e) {
    $('connection').textContent = `No camera: ${e.message}`;
    return;
  }
  connect();
  setInterval(sendFrame, 1000 / FRAMES_PER_SECOND);
  requestAnimationFrame(resizeOverlay);
}

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  socket = new WebSocket(`${scheme}://${location.host}/ws`);
  socket.onopen = () => {
    $('connection').textContent = 'Connected';
    framesSent = 0;
    sentAt.clear();
    const name = $('name').value.trim();
    if (name) send({ type: 'hello', name });
  };
  socket.onclose = () => {
    $('connection').textContent = 'Disconnected — reconnecting…';
    setTimeout(connect, 2000);
  };
  socket.onmessage = event => handle(JSON.parse(event.data));
}

function sendFrame() {
  if (!socket || socket.readyState !== WebSocket.OPEN || !video.videoWidth) return;
  if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return;
  capture.width = FRAME_WIDTH;
  capture.height = Math.round(FRAME_WIDTH * video.videoHeight / video.videoWidth);
  capture.getContext('2d').drawImage(video, 0, 0, capture.width, capture.height);
  capture.toBlob(blob => {
    if (!blob || socket.readyState !== WebSocket.OPEN) return;
    socket.send(blob);
    framesSent++;
    sentAt.set(framesSent, performance.now());
    if (sentAt.size > 200) sentAt.delete(sentAt.keys().next().value);
  }, 'image/jpeg', JPEG_QUALITY);
}

function handle(message) {
  switch (message.type) {
    case 'ready':
      expressions = message.expressions;
      buildChart();
      break;
    case 'result':
      showResult(message);
      break;
    case 'error':
      showError(message);
      break;
    case 'profile':
      showProfile(message);
      break;
    case 'captured':
      if (captureWaiter) captureWaiter(message);
      break;
    case 'progress':
      $('progress').hidden = false;
      $('progress').value = message.percent;
      $('enrol-status').textContent = message.stage === 'Waiting'
        ? 'Waiting for another fine-tune to finish…'
        : `Fine-tuning: ${message.stage === 'FindingFaces' ? 'finding faces' : 'training'} ${message.completed}/${message.total}`;
      break;
    case 'personalized':
      $('progress').value = 100;
      $('enrol-status').textContent = `Profile saved: ${message.faces} faces, ${message.seconds.toFixed(1)} s.`;
      endEnrolment();
      break;
    case 'deleted':
      $('enrol-status').textContent = message.removed ? 'Your profile is deleted.' : 'There was no profile to delete.';
      break;
  }
}

function showResult(message) {
  const now = performance.now();
  if (sentAt.has(message.frame)) {
    latencies.push(now - sentAt.get(message.frame));
    sentAt.delete(message.frame);
  }
  answered.push(now);
  answered = answered.filter(t => now - t < 2000);
  latencies = latencies.slice(-30);
  const latency = latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0;
  $('stats').textContent = `${(answered.length / 2).toFixed(1)} frames/s answered · ${latency.toFixed(0)} ms round trip · ` +
    `server ${message.serverMs} ms · dropped ${message.dropped.queue} (server behind) + ${message.dropped.rate} (over rate)` +
    (message.rejected ? ` · rejected ${message.rejected}` : '');
  draw(message);
  const faces = $('faces');
  faces.replaceChildren(...message.faces.map(face => {
    const item = document.createElement('li');
    item.dataset.track = face.track;
    item.dataset.expression = face.expression;
    item.textContent = `Face #${face.track}: ${face.expression} ${percent(face.confidence)}`;
    if (face.personal) {
      item.dataset.personal = face.personal.expression;
      const personal = document.createElement('span');
      personal.className = 'personal';
      personal.textContent = ` · ${message.profile}: ${face.personal.expression} ${percent(face.personal.confidence)}`;
      item.append(personal);
    }
    return item;
  }));
  updateChart(message.faces[0]);
}

function percent(p) { return `${Math.round(p * 100)}%`; }

function resizeOverlay() {
  overlay.width = overlay.clientWidth;
  overlay.height = overlay.clientHeight;
}
window.addEventListener('resize', resizeOverlay);

function draw(message) {
  if (overlay.width !== overlay.clientWidth) resizeOverlay();
  const g = overlay.getContext('2d');
  g.clearRect(0, 0, overlay.width, overlay.height);
  const sx = overlay.width / message.width;
  const sy = overlay.height / message.height;
  g.lineWidth = 3;
  g.font = '600 15px system-ui, sans-serif';
  for (const face of message.faces) {
    const x = face.box.x * sx, y = face.box.y * sy, w = face.box.width * sx, h = face.box.height * sy;
    g.strokeStyle = '#2f7dd1';
    g.strokeRect(x, y, w, h);
    const lines = [`#${face.track} ${face.expression} ${percent(face.confidence)}`];
    if (face.personal) lines.push(`${message.profile}: ${face.personal.expression} ${percent(face.personal.confidence)}`);
    lines.forEach((text, i) => {
      const top = Math.max(0, y - 22 * (lines.length - i));
      g.fillStyle = i === 0 ? 'rgba(47,125,209,.9)' : 'rgba(224,128,58,.9)';
      g.fillRect(x - 1.5, top, g.measureText(text).width + 10, 21);
      g.fillStyle = '#fff';
      g.fillText(text, x + 4, top + 16);
    });
  }
}

function buildChart() {
  const chart = $('chart');
  chart.replaceChildren();
  for (const name of expressions) {
    const label = document.createElement('span');
    label.textContent = name;
    const bars = document.createElement('div');
    bars.className = 'bars';
    bars.innerHTML = `<div class="bar general" id="bar-${name}"></div><div class="bar personal" id="pbar-${name}" hidden></div>`;
    const value = document.createElement('span');
    value.id = `value-${name}`;
    value.textContent = '–';
    chart.append(label, bars, value);
  }
}

function updateChart(face) {
  expressions.forEach((name, i) => {
    const general = face ? face.probabilities[i] : 0;
    const personal = face && face.personal ? face.personal.probabilities[i] : null;
    $(`bar-${name}`).style.width = `${general * 100}%`;
    const personalBar = $(`pbar-${name}`);
    personalBar.hidden = personal === null;
    personalBar.style.width = `${(personal ?? 0) * 100}%`;
    $(`value-${name}`).textContent = face ? percent(personal ?? general) : '–';
  });
  document.querySelector('.legend .personal').hidden = !(face && face.personal);
}

function showError(message) {
  const error = $('error');
  error.hidden = false;
  error.textContent = `Server: ${message.message}`;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { error.hidden = true; }, 5000);
  if (enrolling && ['personalization-failed', 'no-captures', 'busy', 'no-name'].includes(message.code)) {
    $('enrol-status').textContent = message.message;
    endEnrolment();
  }
}

function showProfile(message) {
  hasProfile = message.exists;
  $('profile-status').textContent = message.exists
    ? `${message.name}: profile from ${new Date(message.created).toLocaleString()} (${message.facesPerExpression.reduce((a, b) => a + b, 0)} faces). Live view shows both predictions.`
    : `${message.name}: no profile yet. Press "Personalize me" and follow the prompts.`;
  $('personalize').disabled = enrolling;
  $('delete').disabled = !hasProfile || enrolling;
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

function showPrompt(text) {
  const prompt = $('prompt');
  prompt.hidden = !text;
  prompt.textContent = text || '';
}

function nextCapture() {
  return new Promise(resolve => {
    const timer = setTimeout(() => { captureWaiter = null; resolve(null); }, CAPTURE_TIMEOUT_MS);
    captureWaiter = message => { clearTimeout(timer); captureWaiter = null; resolve(message); };
  });
}

async function enrol() {
  const name = $('name').value.trim();
  if (!name) { $('name').focus(); return; }
  enrolling = true;
  $('personalize').disabled = true;
  $('delete').disabled = true;
  $('progress').hidden = true;
  $('progress').value = 0;
  send({ type: 'hello', name });
  send({ type: 'start-enrolment' });
  const shots = Math.max(1, Math.min(10, Number($('shots').value) || 3));
  const countdown = Math.max(0, Math.min(10, Number($('countdown').value) || 0));
  for (const expression of expressions) {
    for (let s = countdown; s > 0; s--) {
      showPrompt(`Show ${expression}… ${s}`);
      await sleep(1000);
    }
    for (let shot = 1; shot <= shots; shot++) {
      showPrompt(`${expression}: hold it (${shot}/${shots})`);
      send({ type: 'capture', expression });
      const captured = await nextCapture();
      if (!enrolling) { showPrompt(''); return; }
      if (!captured) {
        showPrompt(`No face seen — look at the camera (${expression})`);
        shot--;
        await sleep(1000);
        continue;
      }
      $('enrol-status').textContent = `Captured ${captured.total} frames`;
      await sleep(300); // a slightly different frame for the next shot
    }
  }
  showPrompt('');
  $('enrol-status').textContent = 'Fine-tuning your profile…';
  $('progress').hidden = false;
  send({ type: 'personalize' });
}

function endEnrolment() {
  enrolling = false;
  showPrompt('');
  $('personalize').disabled = false;
  $('delete').disabled = !hasProfile;
}

$('name-form').addEventListener('submit', event => {
  event.preventDefault();
  const name = $('name').value.trim();
  if (name) send({ type: 'hello', name });
});
$('personalize').addEventListener('click', enrol);
$('delete').addEventListener('click', () => {
  if (confirm('Delete your profile from the server?')) send({ type: 'delete' });
});

buildChart();
start();
