import { createRoot } from 'react-dom/client';
import '../common/base.css';
import './desk.css';
import { DeskApp } from './DeskApp.js';

createRoot(document.getElementById('root')!).render(<DeskApp />);
