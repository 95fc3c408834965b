/** A short tone and a browser notification, used only while the desk's tab is hidden. */
let audio: AudioContext | null = null;

export function beep(): void {
  try {
    audio ??= new AudioContext();
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.35);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.35);
  } catch {
    // No audio output (or autoplay refused): the notification and the title still tell.
  }
}

export function notifyHidden(title: string, body: string): void {
  if (!document.hidden) return;
  beep();
  if ('Notification' in window && Notification.permission === 'granted') new Notification(title, { body, tag: 'kefu-desk' });
}

export const canAskNotifications = () => 'Notification' in window && Notification.permission === 'default';
