import { createRoot } from 'react-dom/client';
import '../common/base.css';
import { ChatApp } from './ChatApp.js';

createRoot(document.getElementById('root')!).render(<ChatApp />);
